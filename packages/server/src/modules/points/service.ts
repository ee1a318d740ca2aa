import type { LedgerEntry, Points } from "@codechef/contract";
import { afterCommit } from "../../db/after-commit.ts";
import { isUniqueViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { idCursor } from "../../db/pages.ts";
import { KeyedBatches } from "../../shared/batches.ts";
import { ConflictError, NotFoundError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { type LedgerRow, presentLedgerEntry } from "./presenter.ts";
import type { PointsRepository } from "./repository.ts";

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

/** Runs once after each commit that moved a user's points, with the deltas it applied in order. */
export type PointsChangedHook = (userId: number, deltas: number[]) => unknown;

/** The one way points move: a conditional atomic update of the balance and a ledger row, in one transaction. */
export class PointsService {
  readonly #database: SqlDatabase;
  readonly #points: PointsRepository;
  readonly #onPointsChanged: PointsChangedHook;
  readonly #batches = new KeyedBatches<number, PointsChange, AppliedChange>((userId, changes) =>
    this.#applyBatch(userId, changes),
  );

  constructor(deps: {
    database: SqlDatabase;
    points: PointsRepository;
    onPointsChanged?: PointsChangedHook;
  }) {
    this.#database = deps.database;
    this.#points = deps.points;
    this.#onPointsChanged = deps.onPointsChanged ?? (() => {});
  }

  /**
   * Applies a change inside the caller's transaction `tx` (which must come from `SqlDatabase.transaction`), or
   * in a transaction of its own, shared with the changes to the same user that arrive while one runs (see
   * `KeyedBatches`). `onPointsChanged` runs after the commit.
   */
  async apply(tx: Tx | undefined, change: PointsChange): Promise<AppliedChange> {
    if (tx) return (await this.#replayed(change, tx)) ?? this.#applyIn(tx, change);
    return this.#batches.submit(change.userId, change);
  }

  /** Changes to one user in one transaction; alone, or when a key in the batch was applied before, each on its own. */
  async #applyBatch(userId: number, changes: PointsChange[]): Promise<Array<AppliedChange | Error>> {
    if (changes.length === 1) return [await this.#applyAlone(changes[0] as PointsChange).catch(asError)];
    try {
      return await this.#database.transaction((tx) => this.#applyAllIn(tx, userId, changes));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return Promise.all(changes.map((change) => this.#applyAlone(change).catch(asError)));
    }
  }

  async #applyAlone(change: PointsChange): Promise<AppliedChange> {
    try {
      // No read of the key first: a key already applied fails the ledger insert (unique) and rolls back.
      return await this.#database.transaction((own) => this.#applyIn(own, change));
    } catch (error) {
      // The key was applied before, or a concurrent request with it committed first: its entry is the answer.
      if (!isUniqueViolation(error)) throw error;
      const replayed = await this.#replayed(change);
      if (!replayed) throw error;
      return replayed;
    }
  }

  /**
   * The batch in order against the locked balance: each change applies unless it would take the balance below
   * zero, then one update of the balance and one insert of every ledger row.
   */
  async #applyAllIn(tx: Tx, userId: number, changes: PointsChange[]): Promise<Array<AppliedChange | Error>> {
    let balance = await this.#points.lockedBalance(tx, userId);
    if (balance === undefined) return changes.map(() => new NotFoundError("user"));
    const createdAt = Date.now();
    const rows: Array<Omit<LedgerRow, "id">> = [];
    /** Per change: the index of its row in `rows`, or its answer when it did not apply. */
    const answers: Array<number | AppliedChange | Error> = [];
    for (const change of changes) {
      if (balance + change.delta >= 0) {
        balance += change.delta;
        answers.push(rows.push(ledgerRow(change, balance, createdAt)) - 1);
      } else {
        // A repeat answers its first application even when it could not apply any more.
        answers.push((await this.#replayed(change, tx)) ?? insufficient());
      }
    }
    if (rows.length === 0) return answers as Array<AppliedChange | Error>;
    await this.#points.setBalance(tx, userId, balance);
    const ids = await this.#points.insertEntries(tx, rows);
    afterCommit(tx, () =>
      this.#onPointsChanged(
        userId,
        rows.map((row) => row.delta),
      ),
    );
    return answers.map((answer) =>
      typeof answer === "number"
        ? {
            entry: { id: ids[answer] as number, ...(rows[answer] as Omit<LedgerRow, "id">) },
            replayed: false,
          }
        : answer,
    );
  }

  async #applyIn(tx: Tx, change: PointsChange): Promise<AppliedChange> {
    const { userId, delta } = change;
    const balance = await this.#points.addToBalance(tx, userId, delta);
    if (balance === undefined) {
      // A repeat answers its first application even when it could not apply any more.
      const replayed = await this.#replayed(change, tx);
      if (replayed) return replayed;
      if ((await this.#points.balance(userId, tx)) === undefined) throw new NotFoundError("user");
      throw insufficient();
    }
    const row = ledgerRow(change, balance, Date.now());
    const id = await this.#points.insertEntry(tx, row);
    afterCommit(tx, () => this.#onPointsChanged(userId, [delta]));
    return { entry: { id, ...row }, replayed: false };
  }

  /** The first application of the change's idempotency key, if it has one that was applied. */
  async #replayed(change: PointsChange, db?: Tx): Promise<AppliedChange | undefined> {
    if (!change.idempotencyKey) return undefined;
    const first = await this.#points.byKey(change.idempotencyKey, db);
    return first && replay(first, change);
  }

  /** An admin's grant (or deduction); the same `key` answers the first grant again, with `replayed` set. */
  async grant(
    admin: UserRow,
    userId: number,
    { delta, reason }: { delta: number; reason: string },
    key: string | undefined,
  ): Promise<{ entry: LedgerEntry; replayed: boolean }> {
    const { entry, replayed } = await this.apply(undefined, {
      userId,
      delta,
      reason,
      reference: `admin:${admin.id}`,
      // Namespaced, so a client's key can never collide with one the server derives (`adopt:…`).
      idempotencyKey: key === undefined ? null : `admin-grant:${key}`,
    });
    return { entry: presentLedgerEntry(entry), replayed };
  }

  /** The balance and the ledger, newest first; the cursor is the last entry's id. */
  async history(userId: number, cursor: string | undefined, limit: number): Promise<Points> {
    const before = idCursor(cursor);
    const balance = await this.#points.balance(userId);
    if (balance === undefined) throw new NotFoundError("user");
    const page = await this.#points.history(userId, before, limit);
    return { balance, ...page, items: page.items.map(presentLedgerEntry) };
  }
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

const insufficient = () => new ConflictError("the balance would go below zero", "INSUFFICIENT_POINTS");

function ledgerRow(change: PointsChange, balanceAfter: number, createdAt: number): Omit<LedgerRow, "id"> {
  return {
    user_id: change.userId,
    delta: change.delta,
    reason: change.reason,
    reference: change.reference ?? null,
    idempotency_key: change.idempotencyKey ?? null,
    balance_after: balanceAfter,
    created_at: createdAt,
  };
}

function replay(first: LedgerRow, change: PointsChange): AppliedChange {
  if (first.user_id !== change.userId || Number(first.delta) !== change.delta) {
    throw new ConflictError("this idempotency key was used for another change", "IDEMPOTENCY_KEY_REUSED");
  }
  return { entry: first, replayed: true };
}
