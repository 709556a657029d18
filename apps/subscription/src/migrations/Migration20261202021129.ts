import { Migration } from '@chatty/db'

export class Migration20261202021129 extends Migration {
  override name = 'Migration20261202021129'

  override up(): void {
    this.addSql(
      `create table "feed_removals" ("id" uuid not null, "author_id" uuid not null, "reason" text not null, "post_ids" text[] not null, "state" text not null default 'pending', "after_follower_id" uuid null, "batches" int not null default 0, "created_at" timestamptz not null, "finished_at" timestamptz null, primary key ("id"));`,
    )
    this.addSql(
      `create index "feed_removals_pending_idx" on "feed_removals" ("id") where "state" = 'pending';`,
    )

    this.addSql(
      `create index "follows_followee_follower_idx" on "follows" ("followee_id", "follower_id");`,
    )

    this.addSql(`alter table "users" add "pushed_posts_until" timestamptz null;`)
    // Celebrities marked before the column: any post known now may have been pushed.
    this.addSql(
      `update "users" set "pushed_posts_until" = (select max("created_at") from "posts" where "author_id" = "users"."id") where "celebrity";`,
    )

    this.addSql(
      `alter table "feed_removals" add constraint "feed_removals_reason_check" check ("reason" in ('post-deleted', 'post-hidden', 'author-hidden'));`,
    )
    this.addSql(
      `alter table "feed_removals" add constraint "feed_removals_state_check" check ("state" in ('pending', 'done', 'superseded'));`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "feed_removals" cascade;`)

    this.addSql(`drop index "follows_followee_follower_idx";`)

    this.addSql(`alter table "users" drop column "pushed_posts_until";`)
  }
}
