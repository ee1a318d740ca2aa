import type { Kysely } from "kysely";

/** An outbox row is relayed by the instance whose claim it holds; a claim past `claimed_until` is free again. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One column per statement: SQLite adds columns one at a time.
  await db.schema.alterTable("outbox").addColumn("claimed_by", "varchar(36)").execute();
  await db.schema.alterTable("outbox").addColumn("claimed_until", "bigint").execute();
}
