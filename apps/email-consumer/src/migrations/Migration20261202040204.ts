import { Migration } from '@chatty/db'

export class Migration20261202040204 extends Migration {
  override name = 'Migration20261202040204'

  override up(): void {
    this.addSql(`alter table "emails" drop constraint "emails_template_check";`)
    this.addSql(
      `alter table "emails" add constraint "emails_template_check" check ("template" in ('verify-email', 'password-reset', 'password-changed', 'welcome', 'account-banned'));`,
    )
  }

  override down(): void {
    this.addSql(`alter table "emails" drop constraint "emails_template_check";`)
    this.addSql(
      `alter table "emails" add constraint "emails_template_check" check ("template" in ('verify-email', 'password-reset', 'welcome', 'account-banned'));`,
    )
  }
}
