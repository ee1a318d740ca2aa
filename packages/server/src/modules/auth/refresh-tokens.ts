import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterCommit } from "../../db/after-commit.ts";
import type { Db, SqlDatabase, Tx } from "../../db/database.ts";
import type { Revocations } from "./revocations.ts";

const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

export type Rotation =
  | { outcome: "rotated"; userId: number; familyId: string; token: string }
  | { outcome: "reused" | "unknown" | "expired" };

export interface Issued {
  token: string;
  familyId: string;
}

/**
 * Opaque refresh tokens, stored only as hashes, rotated on every use; a reuse revokes the whole family. A family is
 * one sign-in: its access tokens carry its id and stop working when it is revoked.
 */
export class RefreshTokens {
  readonly #database: SqlDatabase;
  readonly #ttlMs: number;
  readonly #revocations: Revocations;

  constructor(database: SqlDatabase, ttlSeconds: number, revocations: Revocations) {
    this.#database = database;
    this.#ttlMs = ttlSeconds * 1000;
    this.#revocations = revocations;
  }

  async #insert(db: Db, userId: number, familyId: string): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    const now = Date.now();
    await db
      .insertInto("refresh_tokens")
      .values({
        user_id: userId,
        family_id: familyId,
        token_hash: sha256(token),
        expires_at: now + this.#ttlMs,
        created_at: now,
      })
      .execute();
    return token;
  }

  async issue(userId: number): Promise<Issued> {
    const familyId = randomUUID();
    return { token: await this.#insert(this.#database.db, userId, familyId), familyId };
  }

  /**
   * Marks the token used and issues its successor in one transaction. The conditional update makes two
   * concurrent uses of one token a reuse: exactly one of them can mark it.
   */
  async rotate(token: string): Promise<Rotation> {
    const result = await this.#database.transaction(async (tx): Promise<Rotation> => {
      const row = await tx
        .selectFrom("refresh_tokens")
        .selectAll()
        .where("token_hash", "=", sha256(token))
        .executeTakeFirst();
      if (!row) return { outcome: "unknown" };
      if (row.revoked_at !== null) return { outcome: "reused" };
      if (row.expires_at <= Date.now()) return { outcome: "expired" };
      const marked = await tx
        .updateTable("refresh_tokens")
        .set({ used_at: Date.now() })
        .where("id", "=", row.id)
        .where("used_at", "is", null)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return { outcome: "reused" };
      return {
        outcome: "rotated",
        userId: row.user_id,
        familyId: row.family_id,
        token: await this.#insert(tx, row.user_id, row.family_id),
      };
    });
    if (result.outcome === "reused") await this.revokeFamilyOf(token);
    return result;
  }

  /**
   * Revokes every token of the family the given token belongs to; answers the family's user, if any. Pass a
   * transaction to make it part of it.
   */
  async revokeFamilyOf(token: string, db: Db = this.#database.db): Promise<number | undefined> {
    const row = await db
      .selectFrom("refresh_tokens")
      .select(["family_id", "user_id"])
      .where("token_hash", "=", sha256(token))
      .executeTakeFirst();
    if (!row) return undefined;
    await db
      .updateTable("refresh_tokens")
      .set({ revoked_at: Date.now() })
      .where("family_id", "=", row.family_id)
      .where("revoked_at", "is", null)
      .execute();
    await this.#announce(db, [row.family_id]);
    return row.user_id;
  }

  /** Signs the user out everywhere; pass a transaction to make it part of it. */
  async revokeAllOf(userId: number, db: Db = this.#database.db): Promise<void> {
    const families = await db
      .selectFrom("refresh_tokens")
      .select("family_id")
      .distinct()
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
    await db
      .updateTable("refresh_tokens")
      .set({ revoked_at: Date.now() })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
    await this.#announce(
      db,
      families.map((f) => f.family_id),
    );
  }

  /** Tells the revocation list once the revocation is committed (at once outside a transaction). */
  async #announce(db: Db, familyIds: string[]): Promise<void> {
    if (db.isTransaction) afterCommit(db as Tx, () => this.#revocations.revoked(familyIds));
    else await this.#revocations.revoked(familyIds);
  }
}
