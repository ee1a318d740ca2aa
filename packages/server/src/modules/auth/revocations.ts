import type { Db } from "../../db/database.ts";
import type { Cache } from "../../ports.ts";

const ACTIVE_SECONDS = 30;
const REVOKED = 2;
const ACTIVE = 1;

/**
 * Which sign-ins (refresh-token families) are revoked, as access tokens ask on every request. The database is the
 * source of truth (a revoked family's refresh tokens carry `revoked_at`); the cache holds each answer, a revocation
 * written over a stale "active" and never the other way round (versioned), so a lost cache only costs a query.
 */
export class Revocations {
  readonly #db: Db;
  readonly #cache: Cache;
  readonly #revokedSeconds: number;

  constructor(db: Db, cache: Cache, accessTokenTtl: number) {
    this.#db = db;
    this.#cache = cache;
    this.#revokedSeconds = accessTokenTtl;
  }

  async isRevoked(familyId: string): Promise<boolean> {
    const key = cacheKey(familyId);
    const cached = await this.#cache.getVersioned<boolean>(key);
    if (cached) return cached.value;
    const row = await this.#db
      .selectFrom("refresh_tokens")
      .select("id")
      .where("family_id", "=", familyId)
      .where("revoked_at", "is not", null)
      .limit(1)
      .executeTakeFirst();
    const revoked = row !== undefined;
    await this.#cache.setVersioned(
      key,
      revoked ? REVOKED : ACTIVE,
      revoked,
      revoked ? this.#revokedSeconds : ACTIVE_SECONDS,
    );
    return revoked;
  }

  /** Call once the revocation is committed. */
  async revoked(familyIds: string[]): Promise<void> {
    await Promise.all(
      familyIds.map((id) => this.#cache.setVersioned(cacheKey(id), REVOKED, true, this.#revokedSeconds)),
    );
  }
}

const cacheKey = (familyId: string) => `revoked-family:${familyId}`;
