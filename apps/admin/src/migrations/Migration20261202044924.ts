import { Migration } from '@chatty/db'

export class Migration20261202044924 extends Migration {
  override name = 'Migration20261202044924'

  override up(): void {
    this.addSql(
      `create table "comments" ("id" uuid not null, "post_id" uuid not null, "author_id" uuid not null, "content" text null, "content_at" timestamptz null, "created_at" timestamptz null, "deleted_at" timestamptz null, primary key ("id"));`,
    )

    this.addSql(
      `create table "reports" ("id" uuid not null, "reporter_id" uuid not null, "reporter_username" varchar(30) not null, "target_type" text not null, "target_id" uuid not null, "reason" varchar(500) not null, "status" text not null default 'open', "note" varchar(1000) null, "resolved_by" uuid null, "resolved_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`,
    )
    this.addSql(`create index "reports_status_id_index" on "reports" ("status", "id");`)
    this.addSql(`create index "reports_target_type_id_index" on "reports" ("target_type", "id");`)
    this.addSql(
      `create unique index "reports_open_per_reporter_unique" on "reports" ("reporter_id", "target_type", "target_id") where "status" = 'open';`,
    )

    this.addSql(`alter table "audit_log" drop constraint "audit_log_action_check";`)
    this.addSql(`alter table "audit_log" drop constraint "audit_log_target_type_check";`)
    this.addSql(
      `alter table "audit_log" add constraint "audit_log_action_check" check ("action" in ('user.ban', 'user.unban', 'user.role', 'user.delete', 'post.takedown', 'comment.takedown', 'report.resolve', 'report.dismiss'));`,
    )
    this.addSql(
      `alter table "audit_log" add constraint "audit_log_target_type_check" check ("target_type" in ('user', 'post', 'comment', 'report'));`,
    )

    this.addSql(
      `alter table "posts" add "title" text null, add "content" text null, add "visibility" text null, add "content_at" timestamptz null;`,
    )
    this.addSql(
      `alter table "posts" add constraint "posts_visibility_check" check ("visibility" in ('public', 'followers', 'private'));`,
    )

    this.addSql(
      `alter table "reports" add constraint "reports_target_type_check" check ("target_type" in ('post', 'comment', 'user'));`,
    )
    this.addSql(
      `alter table "reports" add constraint "reports_status_check" check ("status" in ('open', 'resolved', 'dismissed'));`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "comments" cascade;`)
    this.addSql(`drop table if exists "reports" cascade;`)

    this.addSql(`alter table "audit_log" drop constraint "audit_log_action_check";`)
    this.addSql(`alter table "audit_log" drop constraint "audit_log_target_type_check";`)
    this.addSql(
      `alter table "audit_log" add constraint "audit_log_action_check" check ("action" in ('user.ban', 'user.unban', 'user.role', 'user.delete', 'post.takedown'));`,
    )
    this.addSql(
      `alter table "audit_log" add constraint "audit_log_target_type_check" check ("target_type" in ('user', 'post'));`,
    )

    this.addSql(`alter table "posts" drop constraint "posts_visibility_check";`)
    this.addSql(
      `alter table "posts" drop column "title", drop column "content", drop column "visibility", drop column "content_at";`,
    )
  }
}
