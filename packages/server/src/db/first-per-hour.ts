import { sql } from "kysely";
import { HOUR_MS } from "../ports.ts";
import type { Db, SqlDatabase } from "./database.ts";
import type { BoardViewersTable, KeywordSearchersTable } from "./schema.ts";

type Tables = { board_viewers: BoardViewersTable; keyword_searchers: KeywordSearchersTable };
const PRUNE_CHUNK = 5000;

export const hourStart = (at: number) => Math.floor(at / HOUR_MS) * HOUR_MS;

/** Who counts once: a signed-in user by id, anyone else by client address (as `TRUST_PROXY` lets Koa take it). */
export interface Actor {
  user: { id: number } | null;
  ip: string;
}

export const actorKey = ({ user, ip }: Actor): string => (user ? `u:${user.id}` : `a:${ip}`);

/**
 * "Once per someone per hour", decided by a unique row: inserting it when it is absent is one atomic statement
 * (`INSERT IGNORE`, `ON CONFLICT DO NOTHING`), so of racing requests exactly one claims the hour. Rows older than
 * `keepHours` are pruned in the background, in chunks, once an hour per process.
 */
export class FirstPerHour<T extends keyof Tables> {
  readonly #database: SqlDatabase;
  readonly #table: T;
  readonly #keepHours: number;
  readonly #onPruneError: (error: unknown) => void;
  #prunedHour = 0;

  constructor(database: SqlDatabase, table: T, keepHours: number, onPruneError: (error: unknown) => void) {
    this.#database = database;
    this.#table = table;
    this.#keepHours = keepHours;
    this.#onPruneError = onPruneError;
  }

  /** Those of `rows` that are the first of their key in their hour, in one statement. */
  async claimAll(db: Db, rows: Tables[T][]): Promise<Tables[T][]> {
    for (const row of rows) this.#pruneOnNewHour(row.hour_start_ms);
    const insert = db.insertInto(this.#table).values(rows as never);
    const claimed = await (this.#database.capabilities.upsert === "on-duplicate-key"
      ? insert.ignore()
      : insert.onConflict((conflict) => conflict.doNothing())
    )
      .returningAll()
      .execute();
    return claimed as unknown as Tables[T][];
  }

  #pruneOnNewHour(hour: number): void {
    if (hour <= this.#prunedHour) return;
    this.#prunedHour = hour;
    this.prune(hour - this.#keepHours * HOUR_MS).catch(this.#onPruneError);
  }

  /** Deletes the rows of the hours before `before`, a chunk per statement (each well inside a deadline). */
  async prune(before: number): Promise<void> {
    const { db, capabilities } = this.#database;
    const table = sql.table(this.#table);
    for (;;) {
      const result = capabilities.rowLocks
        ? await sql`delete from ${table} where hour_start_ms < ${before} limit ${PRUNE_CHUNK}`.execute(db)
        : await sql`delete from ${table} where rowid in (select rowid from ${table} where hour_start_ms < ${before} limit ${PRUNE_CHUNK})`.execute(
            db,
          );
      if (Number(result.numAffectedRows ?? 0) < PRUNE_CHUNK) return;
    }
  }
}
