import { Migration } from '@chatty/db'

export class Migration20261202072411 extends Migration {
  override name = 'Migration20261202072411'

  override up(): void {
    this.addSql(`alter table "posts" add "media" jsonb not null default '[]';`)
  }

  override down(): void {
    this.addSql(`alter table "posts" drop column "media";`)
  }
}
