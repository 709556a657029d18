import { Migration } from '@chatty/db'

export class Migration20261121034600 extends Migration {
  override name = 'Migration20261121034600'

  override up(): void {
    this.addSql(
      `create table "authors" ("id" uuid not null, "username" varchar(30) null, "display_name" varchar(50) null, "avatar_url" varchar(500) null, "status" text not null default 'active', "banned_until" timestamptz null, "moderated_at" timestamptz null, "profile_at" timestamptz null, "updated_at" timestamptz not null, primary key ("id"));`,
    )
    this.addSql(`create index "authors_username_lower_idx" on "authors" (lower("username"));`)

    this.addSql(
      `create table "follows" ("follower_id" uuid not null, "followee_id" uuid not null, "following" boolean not null, "changed_at" timestamptz not null, primary key ("follower_id", "followee_id"));`,
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
      `create table "posts" ("id" uuid not null, "author_id" uuid not null, "title" varchar(100) null, "content" varchar(1000) not null, "tags" text[] not null, "mentions" text[] not null, "visibility" text not null, "like_count" int not null default 0, "comment_count" int not null default 0, "repost_count" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, "deleted_by" uuid null, "deletion_reason" varchar(500) null, primary key ("id"));`,
    )
    this.addSql(
      `create index "posts_author_timeline_idx" on "posts" ("author_id", "created_at", "id");`,
    )
    this.addSql(
      `create index "posts_recent_idx" on "posts" ("created_at", "id") where deleted_at is null;`,
    )
    this.addSql(`create index "posts_tags_idx" on "posts" using gin ("tags");`)

    this.addSql(
      `alter table "authors" add constraint "authors_status_check" check ("status" in ('active', 'banned', 'deleted'));`,
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
  }

  override down(): void {
    this.addSql(`drop table if exists "authors" cascade;`)
    this.addSql(`drop table if exists "follows" cascade;`)
    this.addSql(`drop table if exists "inbox" cascade;`)
    this.addSql(`drop trigger if exists "outbox_notify" on "outbox";`)
    this.addSql(`drop function if exists "outbox_outbox_notify_fn"();`)
    this.addSql(`drop table if exists "outbox" cascade;`)
    this.addSql(`drop table if exists "posts" cascade;`)
  }
}
