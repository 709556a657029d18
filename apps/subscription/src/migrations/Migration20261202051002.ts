import { Migration } from '@chatty/db'

export class Migration20261202051002 extends Migration {
  override name = 'Migration20261202051002'

  override up(): void {
    this.addSql(
      `create table "likes" ("user_id" uuid not null, "post_id" uuid not null, "liked" boolean not null, "changed_at" timestamptz not null, primary key ("user_id", "post_id"));`,
    )

    this.addSql(
      `create table "post_counts" ("post_id" uuid not null, "like_count" int not null, "comment_count" int not null, "repost_count" int not null, "version" int not null, primary key ("post_id"));`,
    )

    this.addSql(
      `create table "reposts" ("user_id" uuid not null, "post_id" uuid not null, "reposted" boolean not null, "changed_at" timestamptz not null, primary key ("user_id", "post_id"));`,
    )
    this.addSql(`create index "reposts_user_changed_idx" on "reposts" ("user_id", "changed_at");`)
    this.addSql(`create index "reposts_post_changed_idx" on "reposts" ("post_id", "changed_at");`)

    this.addSql(`alter table "feed_removals" drop constraint "feed_removals_reason_check";`)
    this.addSql(
      `alter table "feed_removals" add constraint "feed_removals_reason_check" check ("reason" in ('post-deleted', 'post-hidden', 'author-hidden', 'account-deleted', 'repost-undone'));`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "likes" cascade;`)
    this.addSql(`drop table if exists "post_counts" cascade;`)
    this.addSql(`drop table if exists "reposts" cascade;`)

    this.addSql(`delete from "feed_removals" where "reason" = 'repost-undone';`)
    this.addSql(`alter table "feed_removals" drop constraint "feed_removals_reason_check";`)
    this.addSql(
      `alter table "feed_removals" add constraint "feed_removals_reason_check" check ("reason" in ('post-deleted', 'post-hidden', 'author-hidden', 'account-deleted'));`,
    )
  }
}
