import { Migration } from '@chatty/db'

export class Migration20261121034628 extends Migration {
  override name = 'Migration20261121034628'

  override up(): void {
    this.addSql(
      `create table "follows" ("follower_id" uuid not null, "followee_id" uuid not null, "created_at" timestamptz not null, primary key ("follower_id", "followee_id"));`,
    )
    this.addSql(
      `create index "follows_followee_idx" on "follows" ("followee_id", "created_at", "follower_id");`,
    )
    this.addSql(
      `create index "follows_follower_created_idx" on "follows" ("follower_id", "created_at", "followee_id");`,
    )

    this.addSql(
      `create table "inbox" ("consumer" text not null, "message_id" uuid not null, "type" text not null, "processed_at" timestamptz not null, primary key ("consumer", "message_id"));`,
    )

    this.addSql(
      `create table "outbox" ("id" uuid not null, "exchange" text not null, "routing_key" text not null, "type" text not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, "attempts" int not null default 0, "last_error" text null, primary key ("id"));`,
    )
    this.addSql(
      `create index "outbox_unpublished_idx" on "outbox" ("created_at", "id") where published_at is null;`,
    )

    this.addSql(
      `create table "posts" ("id" uuid not null, "author_id" uuid not null, "title" text null, "content" text not null, "tags" text[] not null default '{}', "mentions" text[] not null default '{}', "visibility" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, primary key ("id"));`,
    )
    this.addSql(`create index "posts_author_created_idx" on "posts" ("author_id", "created_at");`)

    this.addSql(
      `create table "users" ("id" uuid not null, "username" varchar(30) not null, "display_name" varchar(50) not null, "bio" varchar(300) not null default '', "avatar_url" varchar(500) null, "status" text not null default 'active', "followers_count" int not null default 0, "following_count" int not null default 0, "posts_count" int not null default 0, "celebrity" boolean not null default false, "last_active_at" timestamptz null, "moderated_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    )
    this.addSql(`create index "users_celebrity_idx" on "users" ("id") where "celebrity";`)
    this.addSql(`create unique index "users_username_lower_unique" on "users" (lower("username"));`)

    this.addSql(
      `create or replace function "outbox_outbox_notify_fn"() returns trigger as \$\$ begin perform pg_notify('chatty_outbox', ''); return null; end; \$\$ language plpgsql;`,
    )
    this.addSql(
      `create trigger "outbox_notify" AFTER INSERT on "outbox" for each STATEMENT execute function "outbox_outbox_notify_fn"();`,
    )

    this.addSql(
      `alter table "posts" add constraint "posts_visibility_check" check ("visibility" in ('public', 'followers', 'private'));`,
    )

    this.addSql(
      `alter table "users" add constraint "users_status_check" check ("status" in ('active', 'banned', 'deleted'));`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "follows" cascade;`)
    this.addSql(`drop table if exists "inbox" cascade;`)
    this.addSql(`drop trigger if exists "outbox_notify" on "outbox";`)
    this.addSql(`drop function if exists "outbox_outbox_notify_fn"();`)
    this.addSql(`drop table if exists "outbox" cascade;`)
    this.addSql(`drop table if exists "posts" cascade;`)
    this.addSql(`drop table if exists "users" cascade;`)
  }
}
