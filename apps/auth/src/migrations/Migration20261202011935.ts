import { Migration } from '@chatty/db'

export class Migration20261202011935 extends Migration {
  override name = 'Migration20261202011935'

  override up(): void {
    this.addSql(`alter table "outbox" add "next_attempt_at" timestamptz null;`)
  }

  override down(): void {
    this.addSql(`alter table "outbox" drop column "next_attempt_at";`)
  }
}
