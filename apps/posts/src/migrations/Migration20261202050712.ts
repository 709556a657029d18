import { Migration } from '@chatty/db'

export class Migration20261202050712 extends Migration {
  override name = 'Migration20261202050712'

  override up(): void {
    this.addSql(
      `create table "likes" ("post_id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, "counted" boolean not null default true, primary key ("post_id", "user_id"));`,
    )
    this.addSql(
      `create index "likes_post_recent_idx" on "likes" ("post_id", "created_at", "user_id");`,
    )
    this.addSql(
      `create index "likes_user_recent_idx" on "likes" ("user_id", "created_at", "post_id");`,
    )

    this.addSql(
      `create table "reposts" ("post_id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, "counted" boolean not null default true, primary key ("post_id", "user_id"));`,
    )
    this.addSql(
      `create index "reposts_user_recent_idx" on "reposts" ("user_id", "created_at", "post_id");`,
    )

    this.addSql(
      `create table "user_counters" ("user_id" uuid not null, "shard" smallint not null, "followers" int not null default 0, "following" int not null default 0, "posts" int not null default 0, primary key ("user_id", "shard"));`,
    )

    this.addSql(
      `alter table "authors" add "bio" text null, add "registered_at" timestamptz null, add "reactions_pending" boolean not null default false;`,
    )
    this.addSql(
      `create index "authors_reactions_pending_idx" on "authors" ("id") where reactions_pending;`,
    )

    // The follows and live posts known so far become shard 0 of each account's counts.
    this.addSql(
      `insert into "user_counters" ("user_id", "shard", "followers", "following", "posts") select "user_id", 0, sum("followers"), sum("following"), sum("posts") from (select "followee_id" as "user_id", count(*) as "followers", 0 as "following", 0 as "posts" from "follows" where "following" group by "followee_id" union all select "follower_id", 0, count(*), 0 from "follows" where "following" group by "follower_id" union all select "author_id", 0, 0, count(*) from "posts" where "deleted_at" is null group by "author_id") as "c" group by "user_id";`,
    )
    // Registrations applied before the column existed: the earliest time posts knows of the
    // account (its first profile or its first post) stands in for it.
    this.addSql(
      `update "authors" set "registered_at" = least("profile_at", (select min("p"."created_at") from "posts" as "p" where "p"."author_id" = "authors"."id")) where "username" is not null;`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "likes" cascade;`)
    this.addSql(`drop table if exists "reposts" cascade;`)
    this.addSql(`drop table if exists "user_counters" cascade;`)

    this.addSql(`drop index "authors_reactions_pending_idx";`)
    this.addSql(
      `alter table "authors" drop column "bio", drop column "registered_at", drop column "reactions_pending";`,
    )
  }
}
