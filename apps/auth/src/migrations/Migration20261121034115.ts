import { Migration } from '@chatty/db'

export class Migration20261121034115 extends Migration {
  override name = 'Migration20261121034115'

  override up(): void {
    this.addSql(
      `create table "email_verifications" ("user_id" uuid not null, "code_hash" varchar(64) not null, "attempts" int not null default 0, "expires_at" timestamptz not null, "created_at" timestamptz not null, primary key ("user_id"));`,
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
      `create table "refresh_tokens" ("id" uuid not null, "session_id" uuid not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "rotated_at" timestamptz null, primary key ("id"));`,
    )
    this.addSql(
      `create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id");`,
    )
    this.addSql(
      `alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`,
    )

    this.addSql(
      `create table "sessions" ("id" uuid not null, "user_id" uuid not null, "ip" varchar(64) null, "user_agent" varchar(300) null, "created_at" timestamptz not null, "last_used_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" varchar(40) null, primary key ("id"));`,
    )
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`)

    this.addSql(
      `create table "signing_keys" ("kid" varchar(64) not null, "private_jwk" jsonb not null, "created_at" timestamptz not null, primary key ("kid"));`,
    )

    this.addSql(
      `create table "users" ("id" uuid not null, "username" varchar(30) not null, "email" varchar(320) not null, "display_name" varchar(50) not null, "bio" varchar(300) not null default '', "avatar_url" varchar(500) null, "password_hash" varchar(60) not null, "role" text not null default 'user', "status" text not null default 'active', "email_verified_at" timestamptz null, "banned_at" timestamptz null, "ban_reason" varchar(500) null, "banned_until" timestamptz null, "moderated_at" timestamptz null, "followers_count" int not null default 0, "following_count" int not null default 0, "posts_count" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`,
    )
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`)
    this.addSql(`create unique index "users_username_lower_unique" on "users" (lower("username"));`)

    this.addSql(
      `create or replace function "outbox_outbox_notify_fn"() returns trigger as \$\$ begin perform pg_notify('chatty_outbox', ''); return null; end; \$\$ language plpgsql;`,
    )
    this.addSql(
      `create trigger "outbox_notify" AFTER INSERT on "outbox" for each STATEMENT execute function "outbox_outbox_notify_fn"();`,
    )

    this.addSql(
      `alter table "users" add constraint "users_role_check" check ("role" in ('user', 'moderator', 'admin'));`,
    )
    this.addSql(
      `alter table "users" add constraint "users_status_check" check ("status" in ('active', 'banned', 'deleted'));`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "email_verifications" cascade;`)
    this.addSql(`drop table if exists "inbox" cascade;`)
    this.addSql(`drop trigger if exists "outbox_notify" on "outbox";`)
    this.addSql(`drop function if exists "outbox_outbox_notify_fn"();`)
    this.addSql(`drop table if exists "outbox" cascade;`)
    this.addSql(`drop table if exists "refresh_tokens" cascade;`)
    this.addSql(`drop table if exists "sessions" cascade;`)
    this.addSql(`drop table if exists "signing_keys" cascade;`)
    this.addSql(`drop table if exists "users" cascade;`)
  }
}
