import { Migration } from '@chatty/db'

export class Migration20261121034547 extends Migration {
  override name = 'Migration20261121034547'

  override up(): void {
    this.addSql(
      `create table "audit_log" ("id" uuid not null, "actor_id" uuid not null, "action" text not null, "target_type" text not null, "target_id" uuid not null, "detail" jsonb not null, "at" timestamptz not null, primary key ("id"));`,
    )
    this.addSql(
      `create index "audit_log_target_index" on "audit_log" ("target_type", "target_id");`,
    )
    this.addSql(`create index "audit_log_actor_id_index" on "audit_log" ("actor_id");`)

    this.addSql(
      `create table "emails" ("email_id" uuid not null, "user_id" uuid null, "to" varchar(320) not null, "template" varchar(40) not null, "status" text not null, "at" timestamptz not null, "error" varchar(1000) null, primary key ("email_id"));`,
    )
    this.addSql(`create index "emails_user_id_at_index" on "emails" ("user_id", "at");`)

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
      `create table "posts" ("id" uuid not null, "author_id" uuid not null, "created_at" timestamptz null, "deleted_at" timestamptz null, primary key ("id"));`,
    )

    this.addSql(
      `create table "users" ("id" uuid not null, "username" varchar(30) not null, "email" varchar(320) not null, "display_name" varchar(50) not null, "role" text not null default 'user', "status" text not null default 'active', "email_verified" boolean not null default false, "created_at" timestamptz not null, "banned_at" timestamptz null, "ban_reason" varchar(500) null, "banned_until" timestamptz null, "profile_updated_at" timestamptz null, "role_changed_at" timestamptz null, "updated_at" timestamptz not null, primary key ("id"));`,
    )
    this.addSql(`create index "users_created_at_id_index" on "users" ("created_at", "id");`)
    this.addSql(`create index "users_status_index" on "users" ("status");`)

    this.addSql(
      `alter table "audit_log" add constraint "audit_log_action_check" check ("action" in ('user.ban', 'user.unban', 'post.takedown'));`,
    )
    this.addSql(
      `alter table "audit_log" add constraint "audit_log_target_type_check" check ("target_type" in ('user', 'post'));`,
    )

    this.addSql(
      `alter table "emails" add constraint "emails_status_check" check ("status" in ('delivered', 'failed'));`,
    )

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
    this.addSql(`drop table if exists "audit_log" cascade;`)
    this.addSql(`drop table if exists "emails" cascade;`)
    this.addSql(`drop table if exists "inbox" cascade;`)
    this.addSql(`drop trigger if exists "outbox_notify" on "outbox";`)
    this.addSql(`drop function if exists "outbox_outbox_notify_fn"();`)
    this.addSql(`drop table if exists "outbox" cascade;`)
    this.addSql(`drop table if exists "posts" cascade;`)
    this.addSql(`drop table if exists "users" cascade;`)
  }
}
