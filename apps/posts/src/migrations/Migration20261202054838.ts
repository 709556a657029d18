import { Migration } from '@chatty/db'

/** Full-text search over posts: a stored, generated tsvector and its GIN index. */
export class Migration20261202054838 extends Migration {
  override name = 'Migration20261202054838'

  override up(): void {
    this.addSql(
      `alter table "posts" add "search" tsvector generated always as (setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', content), 'B')) stored null;`,
    )
    this.addSql(`create index "posts_search_idx" on "posts" using gin ("search");`)
  }

  override down(): void {
    this.addSql(`drop index "posts_search_idx";`)
    this.addSql(`alter table "posts" drop column "search";`)
  }
}
