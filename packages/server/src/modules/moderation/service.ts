import type { Warning } from "@codechef/contract";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { ForbiddenError, NotFoundError } from "../../shared/errors.ts";
import { iso } from "../../shared/time.ts";
import type { UserRow } from "../../shared/user-row.ts";
import type { RefreshTokens } from "../auth/refresh-tokens.ts";
import { presentUser } from "../users/presenter.ts";

/** Runs in the blocking transaction (the realtime server closes the user's sockets once it commits). */
export type UserBlockedHook = (tx: Tx, userId: number) => Promise<void>;

export class ModerationService {
  readonly #database: SqlDatabase;
  readonly #refreshTokens: RefreshTokens;
  readonly #threshold: number;
  readonly #onUserBlocked: UserBlockedHook;

  constructor(deps: {
    database: SqlDatabase;
    refreshTokens: RefreshTokens;
    warningThreshold: number;
    onUserBlocked?: UserBlockedHook;
  }) {
    this.#database = deps.database;
    this.#refreshTokens = deps.refreshTokens;
    this.#threshold = deps.warningThreshold;
    this.#onUserBlocked = deps.onUserBlocked ?? (async () => {});
  }

  /**
   * Records a warning and counts it atomically; the warning that reaches the threshold blocks the account and
   * revokes its refresh tokens in the same transaction. Access tokens stop working at once too, because every
   * authenticated request reads the user's status fresh.
   */
  warn(admin: UserRow, userId: number, reason: string): Promise<Warning> {
    return this.#database.transaction(async (tx) => {
      const counted = await tx
        .updateTable("users")
        .set((eb) => ({ warning_count: eb("warning_count", "+", 1) }))
        .where("id", "=", userId)
        .where("role", "=", "USER")
        .executeTakeFirst();
      if (Number(counted.numUpdatedRows) === 0) {
        const target = await tx.selectFrom("users").select("id").where("id", "=", userId).executeTakeFirst();
        if (!target) throw new NotFoundError("user");
        throw new ForbiddenError("admins are not warned; demote the account first");
      }
      const now = Date.now();
      const blocked = await tx
        .updateTable("users")
        .set({ status: "BLOCKED", updated_at: now })
        .where("id", "=", userId)
        .where("status", "=", "ACTIVE")
        .where("warning_count", ">=", this.#threshold)
        .executeTakeFirst();
      if (Number(blocked.numUpdatedRows) === 1) {
        await this.#refreshTokens.revokeAllOf(userId, tx);
        await this.#onUserBlocked(tx, userId);
      }
      const { insertId } = await tx
        .insertInto("warnings")
        .values({ user_id: userId, issued_by: admin.id, reason, created_at: now })
        .executeTakeFirstOrThrow();
      const user = await tx
        .selectFrom("users")
        .selectAll()
        .where("id", "=", userId)
        .executeTakeFirstOrThrow();
      return {
        id: Number(insertId),
        userId,
        issuedBy: admin.id,
        reason,
        warningCount: user.warning_count,
        user: presentUser(user),
        createdAt: iso(now),
      };
    });
  }

  async unblock(userId: number): Promise<UserRow> {
    const db = this.#database.db;
    const updated = await db
      .updateTable("users")
      .set({ status: "ACTIVE", warning_count: 0, updated_at: Date.now() })
      .where("id", "=", userId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new NotFoundError("user");
    return db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirstOrThrow();
  }
}
