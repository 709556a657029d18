import { Migration } from '@chatty/db'

export class Migration20261121052906 extends Migration {
  override name = 'Migration20261121052906'

  override up(): void {
    this.addSql(
      `create table "follow_states" ("follower_id" uuid not null, "followee_id" uuid not null, "following" boolean not null, "changed_at" timestamptz not null, primary key ("follower_id", "followee_id"));`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "follow_states" cascade;`)
  }
}
