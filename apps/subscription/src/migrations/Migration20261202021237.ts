import { Migration } from '@chatty/db'

export class Migration20261202021237 extends Migration {
  override name = 'Migration20261202021237'

  override up(): void {
    this.addSql(
      `create table "user_counters" ("user_id" uuid not null, "shard" smallint not null, "followers" int not null default 0, "following" int not null default 0, primary key ("user_id", "shard"));`,
    )

    // The counts so far become shard 0 of each account that has any.
    this.addSql(
      `insert into "user_counters" ("user_id", "shard", "followers", "following") select "id", 0, "followers_count", "following_count" from "users" where "followers_count" <> 0 or "following_count" <> 0;`,
    )

    this.addSql(`alter table "users" drop column "followers_count", drop column "following_count";`)
  }

  override down(): void {
    this.addSql(
      `alter table "users" add "followers_count" int4 not null default 0, add "following_count" int4 not null default 0;`,
    )

    this.addSql(
      `update "users" set "followers_count" = greatest("c"."followers", 0), "following_count" = greatest("c"."following", 0) from (select "user_id", sum("followers") as "followers", sum("following") as "following" from "user_counters" group by "user_id") as "c" where "c"."user_id" = "users"."id";`,
    )

    this.addSql(`drop table if exists "user_counters" cascade;`)
  }
}
