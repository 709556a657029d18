import { Migration } from '@chatty/db'

export class Migration20261202040805 extends Migration {
  override name = 'Migration20261202040805'

  override up(): void {
    this.addSql(`alter table "audit_log" drop constraint "audit_log_action_check";`)
    this.addSql(
      `alter table "audit_log" add constraint "audit_log_action_check" check ("action" in ('user.ban', 'user.unban', 'user.role', 'user.delete', 'post.takedown'));`,
    )
  }

  override down(): void {
    this.addSql(`alter table "audit_log" drop constraint "audit_log_action_check";`)
    this.addSql(
      `alter table "audit_log" add constraint "audit_log_action_check" check ("action" in ('user.ban', 'user.unban', 'post.takedown'));`,
    )
  }
}
