import type { Db, Tx } from "../../db/database.ts";
import type { UserRow } from "../../shared/user-row.ts";

/** Warnings and the account status they lead to. Functions taking `tx` must run inside the caller's transaction. */
export class ModerationRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Counts a warning atomically, for non-admins only; false when there is no such user or it is an admin. */
  async countWarning(tx: Tx, userId: number): Promise<boolean> {
    const counted = await tx
      .updateTable("users")
      .set((eb) => ({ warning_count: eb("warning_count", "+", 1) }))
      .where("id", "=", userId)
      .where("role", "=", "USER")
      .executeTakeFirst();
    return Number(counted.numUpdatedRows) === 1;
  }

  /** Blocks an active account whose warnings reached `threshold`; true only for the change that blocked it. */
  async blockAtThreshold(tx: Tx, userId: number, threshold: number, now: number): Promise<boolean> {
    const blocked = await tx
      .updateTable("users")
      .set({ status: "BLOCKED", updated_at: now })
      .where("id", "=", userId)
      .where("status", "=", "ACTIVE")
      .where("warning_count", ">=", threshold)
      .executeTakeFirst();
    return Number(blocked.numUpdatedRows) === 1;
  }

  async insertWarning(
    tx: Tx,
    warning: { user_id: number; issued_by: number; reason: string; created_at: number },
  ): Promise<number> {
    const { insertId } = await tx.insertInto("warnings").values(warning).executeTakeFirstOrThrow();
    return Number(insertId);
  }

  /** Makes the account active again with no warnings; undefined when there is no such user. */
  async unblock(userId: number): Promise<UserRow | undefined> {
    const updated = await this.#db
      .updateTable("users")
      .set({ status: "ACTIVE", warning_count: 0, updated_at: Date.now() })
      .where("id", "=", userId)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 ? this.findUser(userId) : undefined;
  }

  findUser(userId: number, db: Db = this.#db): Promise<UserRow | undefined> {
    return db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
  }
}
