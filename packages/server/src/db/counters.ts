import { sql } from "kysely";
import type { Db, Dialect, Tx } from "./database.ts";

/** The counter columns moved by `addAndRead`. */
export type Counter = { table: "users"; column: "points" } | { table: "chat_rooms"; column: "last_seq" };

/**
 * Adds `by` to the counter of row `id` in one atomic statement, which also holds the row's lock until the
 * transaction ends, and answers the new value from that same statement (MySQL/MariaDB hand it back as
 * `LAST_INSERT_ID`, SQLite by `RETURNING`). Undefined when no row matched, or when the new value would be below
 * `floor`.
 */
export async function addAndRead(
  tx: Tx,
  dialect: Dialect,
  { table, column }: Counter,
  id: number,
  by: number,
  floor?: number,
): Promise<number | undefined> {
  const counter = sql.ref(column);
  const above = floor === undefined ? sql`` : sql` and ${counter} + ${by} >= ${floor}`;
  if (dialect === "mysql") {
    const { numAffectedRows, insertId } =
      await sql`update ${sql.table(table)} set ${counter} = last_insert_id(${counter} + ${by}) where id = ${id}${above}`.execute(
        tx,
      );
    // A new value of 0 reads as no insert id.
    return numAffectedRows === 1n ? Number(insertId ?? 0) : undefined;
  }
  const { rows } = await sql<{
    value: number;
  }>`update ${sql.table(table)} set ${counter} = ${counter} + ${by} where id = ${id}${above} returning ${counter} as value`.execute(
    tx,
  );
  return rows[0] && Number(rows[0].value);
}

/**
 * Raises a generation counter (one row): a cache keyed by it is stale from the commit on. Called in the
 * transaction of the change the cache depends on.
 */
export async function raiseGeneration(
  db: Db,
  table: "search_generation" | "keyword_generation",
): Promise<void> {
  await db
    .updateTable(table)
    .set((eb) => ({ generation: eb("generation", "+", 1) }))
    .execute();
}
