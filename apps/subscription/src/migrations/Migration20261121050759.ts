import { Migration } from '@chatty/db'

export class Migration20261121050759 extends Migration {
  override name = 'Migration20261121050759'

  override up(): void {
    this.addSql(
      `alter table "users" add "banned_until" timestamptz null, add "profile_at" timestamptz null;`,
    )
    this.addSql(`alter table "users" alter column "username" drop not null;`)
    this.addSql(`alter table "users" alter column "display_name" set default '';`)
  }

  override down(): void {
    this.addSql(`alter table "users" drop column "banned_until", drop column "profile_at";`)
    this.addSql(`alter table "users" alter column "username" set not null;`)
    this.addSql(`alter table "users" alter column "display_name" drop default;`)
  }
}
