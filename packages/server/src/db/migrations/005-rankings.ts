import type { Kysely } from "kysely";

/** Last month's ranking sums the ledger over a time range: this index covers that query. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("point_ledger_created")
    .on("point_ledger")
    .columns(["created_at", "user_id", "delta"])
    .execute();
}
