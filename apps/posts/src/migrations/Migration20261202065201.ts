import { Migration } from '@chatty/db'

export class Migration20261202065201 extends Migration {
  override name = 'Migration20261202065201'

  override up(): void {
    this.addSql(
      `create table "polls" ("post_id" uuid not null, "options" text[] not null, "multiple" boolean not null, "expires_at" timestamptz not null, "closed_at" timestamptz null, primary key ("post_id"));`,
    )
    this.addSql(
      `create index "polls_open_expiry_idx" on "polls" ("expires_at", "post_id") where closed_at is null;`,
    )

    this.addSql(
      `create table "poll_votes" ("post_id" uuid not null, "user_id" uuid not null, "choices" smallint[] not null, "created_at" timestamptz not null, "counted" boolean not null default true, primary key ("post_id", "user_id"));`,
    )
    this.addSql(
      `create index "poll_votes_user_counted_idx" on "poll_votes" ("user_id", "counted", "post_id");`,
    )

    this.addSql(
      `alter table "post_counters" add "poll_votes0" int not null default 0, add "poll_votes1" int not null default 0, add "poll_votes2" int not null default 0, add "poll_votes3" int not null default 0, add "poll_voters" int not null default 0;`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "polls" cascade;`)
    this.addSql(`drop table if exists "poll_votes" cascade;`)

    this.addSql(
      `alter table "post_counters" drop column "poll_votes0", drop column "poll_votes1", drop column "poll_votes2", drop column "poll_votes3", drop column "poll_voters";`,
    )
  }
}
