import { Migration } from '@chatty/db'

export class Migration20261202040854 extends Migration {
  override name = 'Migration20261202040854'

  override up(): void {
    this.addSql(`alter table "feed_removals" drop constraint "feed_removals_reason_check";`)
    this.addSql(
      `alter table "feed_removals" add "after_followee_id" uuid null, add "correlation_id" text null;`,
    )
    this.addSql(
      `alter table "feed_removals" add constraint "feed_removals_reason_check" check ("reason" in ('post-deleted', 'post-hidden', 'author-hidden', 'account-deleted'));`,
    )
  }

  override down(): void {
    // The older code cannot walk an account deletion; what is left of one is dropped.
    this.addSql(`delete from "feed_removals" where "reason" = 'account-deleted';`)
    this.addSql(`alter table "feed_removals" drop constraint "feed_removals_reason_check";`)
    this.addSql(
      `alter table "feed_removals" drop column "after_followee_id", drop column "correlation_id";`,
    )
    this.addSql(
      `alter table "feed_removals" add constraint "feed_removals_reason_check" check ("reason" in ('post-deleted', 'post-hidden', 'author-hidden'));`,
    )
  }
}
