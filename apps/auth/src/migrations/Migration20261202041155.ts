import { Migration } from '@chatty/db'

export class Migration20261202041155 extends Migration {
  override name = 'Migration20261202041155'

  override up(): void {
    this.addSql(
      `create table "authored_posts" ("post_id" uuid not null, "author_id" uuid not null, "created_at" timestamptz null, "deleted_at" timestamptz null, primary key ("post_id"));`,
    )

    this.addSql(`alter table "user_counters" add "posts" int not null default 0;`)

    // The counts so far join shard 0 of each account that has any.
    this.addSql(
      `insert into "user_counters" ("user_id", "shard", "posts") select "id", 0, "posts_count" from "users" where "posts_count" <> 0 on conflict ("user_id", "shard") do update set "posts" = "user_counters"."posts" + "excluded"."posts";`,
    )

    this.addSql(`alter table "users" drop column "posts_count";`)
    this.addSql(`alter table "users" add "role_changed_at" timestamptz null;`)
    this.addSql(
      `create index "users_username_prefix_index" on "users" (lower("username") text_pattern_ops);`,
    )
    this.addSql(
      `create index "users_display_name_prefix_index" on "users" (lower("display_name") text_pattern_ops);`,
    )
  }

  override down(): void {
    this.addSql(`drop index "users_username_prefix_index";`)
    this.addSql(`drop index "users_display_name_prefix_index";`)
    this.addSql(`alter table "users" drop column "role_changed_at";`)
    this.addSql(`alter table "users" add "posts_count" int4 not null default 0;`)

    this.addSql(
      `update "users" set "posts_count" = greatest("c"."posts", 0) from (select "user_id", sum("posts") as "posts" from "user_counters" group by "user_id") as "c" where "c"."user_id" = "users"."id";`,
    )

    this.addSql(`alter table "user_counters" drop column "posts";`)

    this.addSql(`drop table if exists "authored_posts" cascade;`)
  }
}
