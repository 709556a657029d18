import { Migration } from '@chatty/db'

/**
 * The service was once called `email` too; the inbox now records it as `email-consumer`. Renaming
 * the rows it wrote keeps a message redelivered after the upgrade recognised as a duplicate.
 */
export class Migration20261202015000 extends Migration {
  override name = 'Migration20261202015000'

  override up(): void {
    this.addSql(`update "inbox" set "consumer" = 'email-consumer' where "consumer" = 'email';`)
  }

  override down(): void {
    this.addSql(`update "inbox" set "consumer" = 'email' where "consumer" = 'email-consumer';`)
  }
}
