import { Migration } from '@chatty/db'

export class Migration20261202040635 extends Migration {
  override name = 'Migration20261202040635'

  override up(): void {
    this.addSql(
      `create table "password_resets" ("user_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, primary key ("user_id"));`,
    )
    this.addSql(
      `alter table "password_resets" add constraint "password_resets_token_hash_unique" unique ("token_hash");`,
    )
  }

  override down(): void {
    this.addSql(`drop table if exists "password_resets" cascade;`)
  }
}
