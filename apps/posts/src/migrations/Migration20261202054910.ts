import { Migration } from '@chatty/db'

export class Migration20261202054910 extends Migration {
  override name = 'Migration20261202054910'

  override up(): void {
    this.addSql(
      `create table "tag_uses" ("post_id" uuid not null, "tag" varchar(50) not null, "author_id" uuid not null, "used_at" timestamptz not null, primary key ("post_id", "tag"));`,
    )
    this.addSql(`create index "tag_uses_window_idx" on "tag_uses" ("used_at", "tag", "author_id");`)
    // The last day's public posts trend from the start.
    this.addSql(
      `insert into "tag_uses" ("post_id", "tag", "author_id", "used_at") select p."id", t.tag, p."author_id", p."created_at" from "posts" p cross join unnest(p."tags") as t(tag) where p."deleted_at" is null and p."visibility" = 'public' and p."created_at" > now() - interval '24 hours' on conflict do nothing;`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "tag_uses" cascade;`)
  }
}
