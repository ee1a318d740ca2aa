import { createHmac, createSecretKey, type KeyObject } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { IDEMPOTENCY_KEY_TTL_HOURS, IdempotencyHeaders } from "@codechef/contract";
import { type ExpressionBuilder, sql } from "kysely";
import type { SqlDatabase } from "../db/database.ts";
import type { Database } from "../db/schema.ts";
import { KeyedBatches } from "../shared/batches.ts";
import { AppError, ConflictError, ValidationError } from "../shared/errors.ts";

/** What a creating call answered: replayed as is for the same key and request. */
export interface Outcome {
  status: number;
  body: unknown;
  location?: string;
}

export interface Claim {
  /** `user:{id}`, or `anonymous`: keys of different users never meet. */
  scope: string;
  key: string;
  /** HMAC of method, path and body. */
  fingerprint: string;
}

export interface IdempotencyOptions {
  /** How long a key's response is answered again. */
  ttlMs?: number;
  /** How long a request holds its key; a reservation older than this (its instance died) is taken over. */
  leaseMs?: number;
  /** How long a repeat waits for the first request to finish before 409 IDEMPOTENCY_KEY_IN_USE. */
  waitMs?: number;
  /** A key's record could not be written or released; the request's own answer stands. */
  onStoreError?: (error: unknown) => void;
}

const PURGE_EVERY_MS = 60_000;

/**
 * Makes creating calls safe to retry with an `Idempotency-Key`. The key is reserved (a unique row) before the
 * handler runs, so concurrent repeats never both execute: a repeat waits for the first to finish and answers
 * its response. The handler's answer is stored when it is a success or a 4xx other than 429; a 5xx or a 429
 * releases the key, so a retry runs again. Validation and authentication failures never reach the store.
 */
export class Idempotency {
  readonly #database: SqlDatabase;
  /** Reservations, and stored outcomes, that queue while one statement runs go in the next one together. */
  readonly #reservations = new KeyedBatches<"reserve", Claim, boolean>((_, claims) =>
    this.#insertAll(claims),
  );
  readonly #outcomes = new KeyedBatches<"store", { claim: Claim; outcome: Outcome }, undefined>((_, stored) =>
    this.#storeAll(stored),
  );
  /** A key object made once: a raw key would be imported again for every request. */
  readonly #secret: KeyObject;
  readonly #ttlMs: number;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  readonly #onStoreError: (error: unknown) => void;
  #lastPurge = 0;

  constructor(database: SqlDatabase, secret: string, options: IdempotencyOptions = {}) {
    this.#database = database;
    this.#onStoreError = options.onStoreError ?? (() => {});
    this.#secret = createSecretKey(createHmac("sha256", secret).update("idempotency-fingerprint").digest());
    this.#ttlMs = options.ttlMs ?? IDEMPOTENCY_KEY_TTL_HOURS * 3600_000;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#waitMs = options.waitMs ?? 5_000;
  }

  /** The request's key, validated; undefined when none was sent. */
  static keyOf(headers: Record<string, unknown>): string | undefined {
    const parsed = IdempotencyHeaders.safeParse(headers);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((issue) => ({ path: "headers.idempotency-key", message: issue.message })),
      );
    }
    return parsed.data["idempotency-key"];
  }

  fingerprint(method: string, path: string, request: unknown): string {
    return createHmac("sha256", this.#secret)
      .update(`${method} ${path}\n${JSON.stringify(request) ?? ""}`)
      .digest("hex");
  }

  /** Runs `execute` once per claim; a repeat answers the first outcome with `replayed: true`. */
  async run(claim: Claim, execute: () => Promise<Outcome>): Promise<Outcome & { replayed: boolean }> {
    this.#purgeNowAndThen();
    const stored = await this.#reserve(claim);
    if (stored) return { ...replay(stored), replayed: true };
    let outcome: Outcome;
    try {
      outcome = await execute();
    } catch (error) {
      if (error instanceof AppError && error.status < 500 && error.status !== 429) {
        const { code, message, details } = error;
        await this.#store(claim, { status: error.status, body: { code, message, details } }).catch(
          this.#onStoreError,
        );
      } else {
        await this.#release(claim).catch(this.#onStoreError);
      }
      throw error;
    }
    // The resource exists: answer it even if its record could not be written (a retry then waits, see leaseMs).
    await this.#store(claim, outcome).catch(this.#onStoreError);
    return { ...outcome, replayed: false };
  }

  /** Reserves the key (undefined) or answers what a first request with it stored. */
  async #reserve(claim: Claim): Promise<StoredRow | undefined> {
    const deadline = Date.now() + this.#waitMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const now = Date.now();
      if (await this.#reservations.submit("reserve", claim)) return undefined;
      const row = await this.#database.db
        .selectFrom("idempotency_keys")
        .select(["fingerprint", "status", "body", "location", "locked_until", "expires_at"])
        .where(keyed(claim))
        .executeTakeFirst();
      if (!row) continue;
      if (Number(row.expires_at) <= now) {
        await this.#database.db
          .deleteFrom("idempotency_keys")
          .where(keyed(claim))
          .where("expires_at", "=", row.expires_at)
          .execute();
        continue;
      }
      if (row.fingerprint !== claim.fingerprint) {
        throw new ConflictError(
          "this Idempotency-Key was used for another request; use a new key for a new request",
          "IDEMPOTENCY_KEY_REUSED",
        );
      }
      if (row.status !== null) return row as StoredRow;
      if (Number(row.locked_until) <= now && (await this.#takeOver(claim, Number(row.locked_until), now))) {
        return undefined;
      }
      if (now >= deadline) {
        throw new AppError(
          409,
          "IDEMPOTENCY_KEY_IN_USE",
          "a request with this Idempotency-Key is still running; retry shortly",
          undefined,
          { "Retry-After": "1" },
        );
      }
      await sleep(pause);
    }
  }

  async #takeOver(claim: Claim, lockedUntil: number, now: number): Promise<boolean> {
    const updated = await this.#database.db
      .updateTable("idempotency_keys")
      .where(keyed(claim))
      .set({ locked_until: now + this.#leaseMs, expires_at: now + this.#ttlMs })
      .where("status", "is", null)
      .where("locked_until", "=", lockedUntil)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  #store(claim: Claim, outcome: Outcome): Promise<void> {
    return this.#outcomes.submit("store", { claim, outcome });
  }

  /** Inserts each claim's reservation unless its key is held, in one statement; true for those it inserted. */
  async #insertAll(claims: Claim[]): Promise<boolean[]> {
    const now = Date.now();
    const inserted = await this.#database.db
      .insertInto("idempotency_keys")
      .orIgnore()
      .values(
        claims.map((claim) => ({
          scope: claim.scope,
          idempotency_key: claim.key,
          fingerprint: claim.fingerprint,
          status: null,
          body: null,
          location: null,
          locked_until: now + this.#leaseMs,
          expires_at: now + this.#ttlMs,
        })),
      )
      .returning(["scope", "idempotency_key"])
      .execute();
    const reserved = new Set(inserted.map((row) => `${row.scope}\n${row.idempotency_key}`));
    // A key twice in one batch was inserted once: only its first claim holds it.
    return claims.map((claim) => reserved.delete(`${claim.scope}\n${claim.key}`));
  }

  /** Records the outcomes on their reserved rows, in one statement. */
  async #storeAll(stored: { claim: Claim; outcome: Outcome }[]): Promise<undefined[]> {
    const now = Date.now();
    const insert = this.#database.db.insertInto("idempotency_keys").values(
      stored.map(({ claim, outcome }) => ({
        scope: claim.scope,
        idempotency_key: claim.key,
        fingerprint: claim.fingerprint,
        status: outcome.status,
        body: outcome.body === undefined ? null : JSON.stringify(outcome.body),
        location: outcome.location ?? null,
        locked_until: now,
        expires_at: now + this.#ttlMs,
      })),
    );
    await (this.#database.capabilities.upsert === "on-duplicate-key"
      ? insert.onDuplicateKeyUpdate({
          status: sql`values(status)`,
          body: sql`values(body)`,
          location: sql`values(location)`,
        })
      : insert.onConflict((conflict) =>
          conflict.columns(["scope", "idempotency_key"]).doUpdateSet((eb) => ({
            status: eb.ref("excluded.status"),
            body: eb.ref("excluded.body"),
            location: eb.ref("excluded.location"),
          })),
        )
    ).execute();
    return stored.map(() => undefined);
  }

  async #release(claim: Claim): Promise<void> {
    await this.#database.db
      .deleteFrom("idempotency_keys")
      .where(keyed(claim))
      .where("status", "is", null)
      .execute();
  }

  /** Expired keys are deleted at most once a minute per instance, off the request's path. */
  #purgeNowAndThen(): void {
    const now = Date.now();
    if (now - this.#lastPurge < PURGE_EVERY_MS) return;
    this.#lastPurge = now;
    this.#database.db
      .deleteFrom("idempotency_keys")
      .where("expires_at", "<=", now)
      .execute()
      .catch(() => {});
  }
}

const keyed = (claim: Claim) => (eb: ExpressionBuilder<Database, "idempotency_keys">) =>
  eb.and({ scope: claim.scope, idempotency_key: claim.key });

interface StoredRow {
  status: number;
  body: string | null;
  location: string | null;
}

function replay(row: StoredRow): Outcome {
  const body = row.body === null ? undefined : JSON.parse(row.body);
  if (row.status >= 400) {
    throw new AppError(row.status, body.code, body.message, body.details, { "Idempotent-Replayed": "true" });
  }
  return { status: row.status, body, ...(row.location && { location: row.location }) };
}
