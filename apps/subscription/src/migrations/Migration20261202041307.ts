import { Migration } from '@chatty/db'

export class Migration20261202041307 extends Migration {
  override name = 'Migration20261202041307'

  override up(): void {
    // The shared counter shards (libs/db) gained a posts count for auth; subscription still
    // counts posts on its users rows and leaves this column at 0.
    this.addSql(`alter table "user_counters" add "posts" int not null default 0;`)
  }

  override down(): void {
    this.addSql(`alter table "user_counters" drop column "posts";`)
  }
}
