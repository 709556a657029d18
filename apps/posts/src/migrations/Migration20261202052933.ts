import { Migration } from '@chatty/db'

/** The two standing walks (reactions, comments) become one. */
export class Migration20261202052933 extends Migration {
  override name = 'Migration20261202052933'

  override up(): void {
    // One standing walk now counts likes, reposts and comments: pending comment walks carry over.
    this.addSql(
      `update "authors" set "reactions_pending" = true where "id" in (select "author_id" from "comment_standing_walks");`,
    )
    this.addSql(`drop table if exists "comment_standing_walks" cascade;`)

    this.addSql(`drop index "authors_reactions_pending_idx";`)
    this.addSql(
      `alter table "authors" rename column "reactions_pending" to "contributions_pending";`,
    )
    this.addSql(
      `create index "authors_contributions_pending_idx" on "authors" ("id") where contributions_pending;`,
    )

    this.addSql(
      `create index "likes_user_counted_idx" on "likes" ("user_id", "counted", "post_id");`,
    )

    this.addSql(`drop index "reposts_user_recent_idx";`)
    this.addSql(
      `create index "reposts_user_counted_idx" on "reposts" ("user_id", "counted", "post_id");`,
    )
  }

  override down(): void {
    this.addSql(
      `create table "comment_standing_walks" ("author_id" uuid not null, "requested_at" timestamptz(6) not null, primary key ("author_id"));`,
    )

    this.addSql(`drop index "authors_contributions_pending_idx";`)
    this.addSql(
      `alter table "authors" rename column "contributions_pending" to "reactions_pending";`,
    )
    this.addSql(
      `create index "authors_reactions_pending_idx" on "authors" ("id") where reactions_pending;`,
    )

    this.addSql(`drop index "likes_user_counted_idx";`)

    this.addSql(`drop index "reposts_user_counted_idx";`)
    this.addSql(
      `create index "reposts_user_recent_idx" on "reposts" ("user_id", "created_at", "post_id");`,
    )
  }
}
