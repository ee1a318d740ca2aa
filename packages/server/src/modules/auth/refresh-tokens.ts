import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Db, SqlDatabase } from "../../db/database.ts";

const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

export type Rotation =
  | { outcome: "rotated"; userId: number; token: string }
  | { outcome: "reused" | "unknown" | "expired" };

/** Opaque refresh tokens, stored only as hashes, rotated on every use; a reuse revokes the whole family. */
export class RefreshTokens {
  readonly #database: SqlDatabase;
  readonly #ttlMs: number;

  constructor(database: SqlDatabase, ttlSeconds: number) {
    this.#database = database;
    this.#ttlMs = ttlSeconds * 1000;
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

  issue(userId: number): Promise<string> {
    return this.#insert(this.#database.db, userId, randomUUID());
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
    return row.user_id;
  }

  /** Signs the user out everywhere; pass a transaction to make it part of it. */
  async revokeAllOf(userId: number, db: Db = this.#database.db): Promise<void> {
    await db
      .updateTable("refresh_tokens")
      .set({ revoked_at: Date.now() })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
  }
}
