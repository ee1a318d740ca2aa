import type { User, Warning } from "@codechef/contract";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { ForbiddenError, NotFoundError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import type { RefreshTokens } from "../auth/refresh-tokens.ts";
import { presentUser } from "../users/presenter.ts";
import { presentWarning } from "./presenter.ts";
import type { ModerationRepository } from "./repository.ts";

/** Runs in the blocking transaction (the realtime server closes the user's sockets once it commits). */
export type UserBlockedHook = (tx: Tx, userId: number) => Promise<void>;

export class ModerationService {
  readonly #database: SqlDatabase;
  readonly #moderation: ModerationRepository;
  readonly #refreshTokens: RefreshTokens;
  readonly #threshold: number;
  readonly #onUserBlocked: UserBlockedHook;

  constructor(deps: {
    database: SqlDatabase;
    moderation: ModerationRepository;
    refreshTokens: RefreshTokens;
    warningThreshold: number;
    onUserBlocked?: UserBlockedHook;
  }) {
    this.#database = deps.database;
    this.#moderation = deps.moderation;
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
      if (!(await this.#moderation.countWarning(tx, userId))) {
        if (!(await this.#moderation.findUser(userId, tx))) throw new NotFoundError("user");
        throw new ForbiddenError("admins are not warned; demote the account first");
      }
      const now = Date.now();
      if (await this.#moderation.blockAtThreshold(tx, userId, this.#threshold, now)) {
        await this.#refreshTokens.revokeAllOf(userId, tx);
        await this.#onUserBlocked(tx, userId);
      }
      const warning = { user_id: userId, issued_by: admin.id, reason, created_at: now };
      const id = await this.#moderation.insertWarning(tx, warning);
      const user = await this.#moderation.findUser(userId, tx);
      if (!user) throw new NotFoundError("user");
      return presentWarning({ id, ...warning }, user);
    });
  }

  async unblock(userId: number): Promise<User> {
    const user = await this.#moderation.unblock(userId);
    if (!user) throw new NotFoundError("user");
    return presentUser(user);
  }
}
