import { Migration } from '@chatty/db'

export class Migration20261202044959 extends Migration {
  override name = 'Migration20261202044959'

  override up(): void {
    this.addSql(
      `create table "post_counters" ("post_id" uuid not null, "shard" smallint not null, "likes" int not null default 0, "comments" int not null default 0, "reposts" int not null default 0, "pending" boolean not null default true, primary key ("post_id", "shard"));`,
    )
    this.addSql(
      `create index "post_counters_pending_idx" on "post_counters" ("post_id") where pending;`,
    )

    this.addSql(
      `alter table "posts" drop column "like_count", drop column "comment_count", drop column "repost_count";`,
    )
    this.addSql(`alter table "posts" add "counts_version" int not null default 0;`)
  }

  override down(): void {
    this.addSql(`drop table if exists "post_counters" cascade;`)

    this.addSql(
      `alter table "posts" drop column "counts_version", add "like_count" int4 not null default 0, add "comment_count" int4 not null default 0, add "repost_count" int4 not null default 0;`,
    )
  }
}
