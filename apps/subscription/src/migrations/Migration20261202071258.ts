import { Migration } from '@chatty/db'

export class Migration20261202071258 extends Migration {
  override name = 'Migration20261202071258'

  override up(): void {
    this.addSql(
      `create table "polls" ("post_id" uuid not null, "options" text[] not null, "multiple" boolean not null, "expires_at" timestamptz not null, primary key ("post_id"));`,
    )

    this.addSql(
      `create table "poll_votes" ("user_id" uuid not null, "post_id" uuid not null, "choices" smallint[] not null, "voted_at" timestamptz not null, primary key ("user_id", "post_id"));`,
    )

    this.addSql(
      `alter table "post_counts" add "poll_votes" int[] null, add "poll_voters_count" int null;`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "polls" cascade;`)
    this.addSql(`drop table if exists "poll_votes" cascade;`)

    this.addSql(
      `alter table "post_counts" drop column "poll_votes", drop column "poll_voters_count";`,
    )
  }
}
