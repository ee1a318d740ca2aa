import type { Points } from "@codechef/contract";
import { afterCommit } from "../../db/after-commit.ts";
import { isUniqueViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { ConflictError, NotFoundError, ValidationError } from "../../shared/errors.ts";
import { type LedgerRow, presentLedgerEntry } from "./presenter.ts";

export interface PointsChange {
  userId: number;
  /** Positive grants, negative deducts; the balance never goes below zero. */
  delta: number;
  reason: string;
  /** What the change is about, e.g. `comment:12`. */
  reference?: string | null;
  /** The same key never applies twice: a repeat answers the first entry. */
  idempotencyKey?: string | null;
}

export interface AppliedChange {
  entry: LedgerRow;
  /** True when the key had already been applied and `entry` is that first application. */
  replayed: boolean;
}

export type PointsChangedHook = (userId: number) => unknown;

/** The one way points move: a conditional atomic update of the balance and a ledger row, in one transaction. */
export class PointsService {
  readonly #database: SqlDatabase;
  readonly #onPointsChanged: PointsChangedHook;

  constructor(deps: { database: SqlDatabase; onPointsChanged?: PointsChangedHook }) {
    this.#database = deps.database;
    this.#onPointsChanged = deps.onPointsChanged ?? (() => {});
  }

  /**
   * Applies a change inside the caller's transaction `tx` (which must come from `SqlDatabase.transaction`), or
   * in a transaction of its own. `onPointsChanged` runs after the commit.
   */
  async apply(tx: Tx | undefined, change: PointsChange): Promise<AppliedChange> {
    if (tx) return this.#applyIn(tx, change);
    try {
      return await this.#database.transaction((own) => this.#applyIn(own, change));
    } catch (error) {
      // A concurrent request with the same key committed first; its entry is the answer.
      if (!change.idempotencyKey || !isUniqueViolation(error)) throw error;
      const first = await this.#byKey(this.#database.db, change.idempotencyKey);
      if (!first) throw error;
      return replay(first, change);
    }
  }

  async #applyIn(tx: Tx, change: PointsChange): Promise<AppliedChange> {
    const { userId, delta } = change;
    const key = change.idempotencyKey ?? null;
    if (key) {
      const first = await this.#byKey(tx, key);
      if (first) return replay(first, change);
    }
    const updated = await tx
      .updateTable("users")
      .set((eb) => ({ points: eb("points", "+", delta) }))
      .where("id", "=", userId)
      .where((eb) => eb(eb("points", "+", delta), ">=", 0))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      const user = await tx.selectFrom("users").select("id").where("id", "=", userId).executeTakeFirst();
      if (!user) throw new NotFoundError("user");
      throw new ConflictError("the balance would go below zero", "INSUFFICIENT_POINTS");
    }
    const { points } = await tx
      .selectFrom("users")
      .select("points")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    const row = {
      user_id: userId,
      delta,
      reason: change.reason,
      reference: change.reference ?? null,
      idempotency_key: key,
      balance_after: Number(points),
      created_at: Date.now(),
    };
    const { insertId } = await tx.insertInto("point_ledger").values(row).executeTakeFirstOrThrow();
    afterCommit(tx, () => this.#onPointsChanged(userId));
    return { entry: { id: Number(insertId), ...row }, replayed: false };
  }

  #byKey(db: Tx | SqlDatabase["db"], key: string): Promise<LedgerRow | undefined> {
    return db.selectFrom("point_ledger").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
  }

  /** The balance and the ledger, newest first; the cursor is the last entry's id. */
  async history(userId: number, cursor: string | undefined, limit: number): Promise<Points> {
    const before = cursor === undefined ? undefined : Number(cursor);
    if (before !== undefined && !(Number.isSafeInteger(before) && before > 0)) {
      throw new ValidationError([{ path: "query.cursor", message: "not a cursor this list gave" }]);
    }
    const db = this.#database.db;
    const user = await db.selectFrom("users").select("points").where("id", "=", userId).executeTakeFirst();
    if (!user) throw new NotFoundError("user");
    let select = db.selectFrom("point_ledger").selectAll().where("user_id", "=", userId);
    if (before !== undefined) select = select.where("id", "<", before);
    const rows = await select
      .orderBy("id", "desc")
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      balance: Number(user.points),
      items: items.map(presentLedgerEntry),
      nextCursor: rows.length > limit && last ? String(last.id) : null,
    };
  }
}

function replay(first: LedgerRow, change: PointsChange): AppliedChange {
  if (first.user_id !== change.userId || Number(first.delta) !== change.delta) {
    throw new ConflictError("this idempotency key was used for another change", "IDEMPOTENCY_KEY_REUSED");
  }
  return { entry: first, replayed: true };
}
