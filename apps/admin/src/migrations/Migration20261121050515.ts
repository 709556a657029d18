import { Migration } from '@chatty/db'

export class Migration20261121050515 extends Migration {
  override name = 'Migration20261121050515'

  override up(): void {
    this.addSql(`alter table "audit_log" alter column "actor_id" drop not null;`)
  }

  override down(): void {
    this.addSql(`alter table "audit_log" alter column "actor_id" set not null;`)
  }
}
