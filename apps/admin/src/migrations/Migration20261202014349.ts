import { Migration } from '@chatty/db'

export class Migration20261202014349 extends Migration {
  override name = 'Migration20261202014349'

  override up(): void {
    this.addSql(`alter table "users" alter column "username" drop not null;`)
    this.addSql(`alter table "users" alter column "email" drop not null;`)
    this.addSql(`alter table "users" alter column "display_name" drop not null;`)
  }

  override down(): void {
    this.addSql(`alter table "users" alter column "username" set not null;`)
    this.addSql(`alter table "users" alter column "email" set not null;`)
    this.addSql(`alter table "users" alter column "display_name" set not null;`)
  }
}
