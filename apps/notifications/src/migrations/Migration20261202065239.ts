import { Migration } from '@chatty/db'

export class Migration20261202065239 extends Migration {
  override name = 'Migration20261202065239'

  override up(): void {
    this.addSql(
      `create table "comments" ("id" uuid not null, "post_id" uuid not null, "deleted_at" timestamptz null, primary key ("id"));`,
    )

    this.addSql(
      `create table "follows" ("follower_id" uuid not null, "followee_id" uuid not null, "following" boolean not null, "changed_at" timestamptz not null, primary key ("follower_id", "followee_id"));`,
    )

    this.addSql(
      `create table "inbox" ("consumer" text not null, "message_id" uuid not null, "type" text not null, "processed_at" timestamptz not null, primary key ("consumer", "message_id"));`,
    )

    this.addSql(
      `create table "notifications" ("id" uuid not null, "recipient_id" uuid not null, "type" text not null, "actor_id" uuid null, "post_id" uuid null, "comment_id" uuid null, "comment_excerpt" varchar(200) null, "group_key" varchar(120) not null, "active" boolean not null, "actor_hidden" boolean not null default false, "read_at" timestamptz null, "changed_at" timestamptz not null, "created_at" timestamptz not null, primary key ("id"));`,
    )
    this.addSql(
      `create index "notifications_recipient_idx" on "notifications" ("recipient_id", "created_at", "id");`,
    )
    this.addSql(`create index "notifications_actor_idx" on "notifications" ("actor_id");`)
    this.addSql(`create index "notifications_post_idx" on "notifications" ("post_id");`)
    this.addSql(`create index "notifications_comment_idx" on "notifications" ("comment_id");`)
    this.addSql(
      `alter table "notifications" add constraint "notifications_group_unique" unique ("recipient_id", "group_key");`,
    )

    this.addSql(
      `create table "outbox" ("id" uuid not null, "exchange" text not null, "routing_key" text not null, "type" text not null, "envelope" jsonb not null, "created_at" timestamptz not null, "published_at" timestamptz null, "attempts" int not null default 0, "next_attempt_at" timestamptz null, "last_error" text null, primary key ("id"));`,
    )
    this.addSql(
      `create index "outbox_unpublished_idx" on "outbox" ("created_at", "id") where published_at is null;`,
    )

    this.addSql(
      `create table "posts" ("id" uuid not null, "author_id" uuid not null, "visibility" text not null, "excerpt" varchar(200) not null, "changed_at" timestamptz not null, "deleted_at" timestamptz null, primary key ("id"));`,
    )

    this.addSql(
      `create table "unread_counters" ("user_id" uuid not null, "shard" smallint not null, "unread" int not null default 0, primary key ("user_id", "shard"));`,
    )

    this.addSql(
      `create table "users" ("id" uuid not null, "username" varchar(30) null, "display_name" varchar(50) not null default '', "avatar_url" varchar(500) null, "status" text not null default 'active', "banned_until" timestamptz null, "moderated_at" timestamptz null, "profile_at" timestamptz null, primary key ("id"));`,
    )
    this.addSql(`create unique index "users_username_lower_unique" on "users" (lower("username"));`)

    this.addSql(
      `alter table "notifications" add constraint "notifications_type_check" check ("type" in ('follow', 'like', 'repost', 'comment', 'reply', 'mention', 'poll-ended'));`,
    )

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
    this.addSql(`drop table if exists "comments" cascade;`)
    this.addSql(`drop table if exists "follows" cascade;`)
    this.addSql(`drop table if exists "inbox" cascade;`)
    this.addSql(`drop table if exists "notifications" cascade;`)
    this.addSql(`drop trigger if exists "outbox_notify" on "outbox";`)
    this.addSql(`drop function if exists "outbox_outbox_notify_fn"();`)
    this.addSql(`drop table if exists "outbox" cascade;`)
    this.addSql(`drop table if exists "posts" cascade;`)
    this.addSql(`drop table if exists "unread_counters" cascade;`)
    this.addSql(`drop table if exists "users" cascade;`)
  }
}
