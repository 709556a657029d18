import { Migration } from '@chatty/db'

export class Migration20261202050240 extends Migration {
  override name = 'Migration20261202050240'

  override up(): void {
    this.addSql(
      `create table "comments" ("id" uuid not null, "post_id" uuid not null, "parent_id" uuid null, "author_id" uuid not null, "content" varchar(1000) not null, "mentions" text[] not null, "counted" boolean not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, "deleted_by" uuid null, "deletion_reason" varchar(500) null, primary key ("id"));`,
    )
    this.addSql(
      `create index "comments_post_thread_idx" on "comments" ("post_id", "created_at", "id") where deleted_at is null;`,
    )
    this.addSql(
      `create index "comments_author_counted_idx" on "comments" ("author_id", "counted", "id") where deleted_at is null;`,
    )

    this.addSql(
      `create table "comment_standing_walks" ("author_id" uuid not null, "requested_at" timestamptz not null, primary key ("author_id"));`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "comments" cascade;`)
    this.addSql(`drop table if exists "comment_standing_walks" cascade;`)
  }
}
