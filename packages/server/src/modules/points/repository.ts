import type { CursorPage } from "@codechef/contract";
import type { Insertable } from "kysely";
import { addAndRead } from "../../db/counters.ts";
import type { Db, Dialect, Tx } from "../../db/database.ts";
import { fetchCursorPage } from "../../db/pages.ts";
import type { PointLedgerTable } from "../../db/schema.ts";
import type { LedgerRow } from "./presenter.ts";

/** Balances (a column of `users`) and the ledger. Functions taking `tx` must run inside the caller's transaction. */
export class PointsRepository {
  readonly #db: Db;
  readonly #dialect: Dialect;

  constructor(db: Db, dialect: Dialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /**
   * Moves the balance by `delta` in one atomic update unless it would go below zero, and answers the new balance
   * (see `addAndRead`); undefined when it would go below zero (or there is no such user).
   */
  addToBalance(tx: Tx, userId: number, delta: number): Promise<number | undefined> {
    return addAndRead(tx, this.#dialect, { table: "users", column: "points" }, userId, delta, 0);
  }

  /** The user's balance; undefined when there is no such user. */
  async balance(userId: number, db: Db = this.#db): Promise<number | undefined> {
    const user = await db.selectFrom("users").select("points").where("id", "=", userId).executeTakeFirst();
    return user && Number(user.points);
  }

  /** The balance, locked until the transaction ends (SQLite's one writer holds it anyway); undefined without such a user. */
  async lockedBalance(tx: Tx, userId: number): Promise<number | undefined> {
    const user = await tx
      .selectFrom("users")
      .select("points")
      .where("id", "=", userId)
      .$if(this.#dialect === "mysql", (q) => q.forUpdate())
      .executeTakeFirst();
    return user && Number(user.points);
  }

  async setBalance(tx: Tx, userId: number, points: number): Promise<void> {
    await tx.updateTable("users").set({ points }).where("id", "=", userId).execute();
  }

  /** Inserts the rows in one statement and answers their ids in the same order. */
  async insertEntries(tx: Tx, entries: Insertable<PointLedgerTable>[]): Promise<number[]> {
    const inserted = await tx.insertInto("point_ledger").values(entries).returning("id").execute();
    return inserted.map((row) => row.id);
  }

  async insertEntry(tx: Tx, entry: Insertable<PointLedgerTable>): Promise<number> {
    const { insertId } = await tx.insertInto("point_ledger").values(entry).executeTakeFirstOrThrow();
    return Number(insertId);
  }

  byKey(key: string, db: Db = this.#db): Promise<LedgerRow | undefined> {
    return db.selectFrom("point_ledger").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
  }

  /** The ledger newest first, from before the entry `before` when given. */
  history(userId: number, before: number | undefined, limit: number): Promise<CursorPage<LedgerRow>> {
    let select = this.#db.selectFrom("point_ledger").selectAll().where("user_id", "=", userId);
    if (before !== undefined) select = select.where("id", "<", before);
    return fetchCursorPage(select.orderBy("id", "desc"), limit, (last) => last.id);
  }
}
