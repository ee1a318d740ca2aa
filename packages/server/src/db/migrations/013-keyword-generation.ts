import type { Kysely } from "kysely";

/** One row whose `generation` every new keyword searcher raises: cached keyword rankings are keyed by it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("keyword_generation")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("generation", "bigint", (c) => c.notNull())
    .execute();
  await db
    .insertInto("keyword_generation" as never)
    .values({ id: 1, generation: 0 } as never)
    .execute();
}
