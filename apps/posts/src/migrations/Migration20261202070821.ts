import { Migration } from '@chatty/db'

export class Migration20261202070821 extends Migration {
  override name = 'Migration20261202070821'

  override up(): void {
    this.addSql(
      `create table "media" ("id" uuid not null, "owner_id" uuid not null, "post_id" uuid null, "position" smallint null, "format" varchar(10) not null, "width" int not null, "height" int not null, "size" int not null, "description" text null, "file_key" varchar(100) not null, "preview_key" varchar(100) not null, "created_at" timestamptz not null, "discarded_at" timestamptz null, primary key ("id"));`,
    )
    this.addSql(`create index "media_post_idx" on "media" ("post_id", "position");`)
    this.addSql(`create index "media_owner_idx" on "media" ("owner_id");`)
    this.addSql(
      `create index "media_unattached_idx" on "media" ("created_at") where "post_id" is null or "discarded_at" is not null;`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "media" cascade;`)
  }
}
