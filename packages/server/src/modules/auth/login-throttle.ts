import type { Config } from "../../config.ts";
import type { Limiter, LimiterFactory } from "../../ports.ts";
import { RateLimitedError } from "../../shared/errors.ts";
import { addressKey, asRateLimited } from "../../shared/rate-limits.ts";

// Two weeks: the memory store keeps its keys on timers, which take at most 24.8 days.
const KNOWN_ADDRESS_SECONDS = 14 * 24 * 3600;

/** What one login attempt counted; settle it once with its outcome. */
export interface LoginAttempt {
  /** A wrong password: what was counted stays counted. */
  failed(): Promise<void>;
  /** The right password: the pair's failures are forgotten and the address becomes known for the account. */
  succeeded(): Promise<void>;
  /** No verdict (the database, Redis or the hash queue failed): nothing of it counts. */
  abandoned(): Promise<void>;
}

/** Hooks for metrics: a wrong password, an attempt refused. */
export interface LoginCounts {
  failed(): void;
  throttled(): void;
}

/**
 * Online-guessing defence in depth (OWASP ASVS 6.3), counted before the password is checked so a burst of parallel
 * guesses cannot slip past, and refunded unless the password turned out wrong:
 * - per (account, address): the attempt after `perPair.points` failures in the window is refused;
 * - per address across accounts (password spraying);
 * - per account across addresses: after `perAccount.points` failures from addresses the owner never signed in
 *   from, each further guess waits twice as long as the one before (up to `maxDelaySeconds`), while the owner's
 *   known addresses are not slowed.
 */
export class LoginThrottle {
  readonly #perPair: Limiter;
  readonly #perAddress: Limiter;
  readonly #perAccount: Limiter;
  readonly #pace: Limiter;
  readonly #known: Limiter;
  readonly #freeFailures: number;
  readonly #maxDelaySeconds: number;
  readonly #counts: LoginCounts;

  constructor(
    limits: Config["login"],
    create: LimiterFactory,
    counts: LoginCounts = { failed() {}, throttled() {} },
  ) {
    this.#counts = counts;
    this.#perPair = create("login:pair", limits.perPair);
    this.#perAddress = create("login:address", limits.perAddress);
    // Counts failures (penalties, never refused); past its points the pace limiter below does the refusing.
    this.#perAccount = create("login:account", limits.perAccount);
    this.#pace = create("login:pace", { points: 1, seconds: 1 });
    this.#known = create("login:known", { points: 1, seconds: KNOWN_ADDRESS_SECONDS });
    this.#freeFailures = limits.perAccount.points;
    this.#maxDelaySeconds = limits.maxDelaySeconds;
  }

  /** Counts an attempt; throws 429 with `Retry-After` when a limit refuses it (then nothing of it counts). */
  async attempt(email: string, ip: string): Promise<LoginAttempt> {
    const address = addressKey(ip);
    const pair = `${email}|${address}`;
    const counted: Array<[Limiter, string]> = [];
    const refund = () => Promise.all(counted.map(([limiter, key]) => limiter.reward(key).catch(() => {})));
    try {
      const known = ((await this.#known.get(pair))?.consumedPoints ?? 0) > 0;
      await this.#count(counted, this.#perAddress, address);
      await this.#count(counted, this.#perPair, pair);
      if (!known) {
        const failures =
          (await this.#count(counted, this.#perAccount, email, "penalty")) - this.#freeFailures;
        if (failures > 0) {
          const delay = Math.min(2 ** (failures - 1), this.#maxDelaySeconds);
          await this.#count(counted, this.#pace, email, "consume", { customDuration: delay });
        }
      }
    } catch (error) {
      await refund();
      const refused = asRateLimited(error);
      if (refused instanceof RateLimitedError) this.#counts.throttled();
      throw refused;
    }
    let settled = false;
    const settle = async (work: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      await work();
    };
    return {
      failed: () => settle(async () => this.#counts.failed()),
      succeeded: () =>
        settle(() =>
          Promise.all([
            this.#perPair.delete(pair),
            this.#known.set(pair, 1, KNOWN_ADDRESS_SECONDS),
            ...counted
              .filter(([limiter]) => limiter !== this.#perPair)
              .map(([limiter, key]) => limiter.reward(key)),
          ]).catch(() => {}),
        ),
      abandoned: () => settle(refund),
    };
  }

  async #count(
    counted: Array<[Limiter, string]>,
    limiter: Limiter,
    key: string,
    how: "consume" | "penalty" = "consume",
    options: { customDuration?: number } = {},
  ) {
    const consumed = limiter[how](key, 1, options);
    // A refused consume counted too: the refund takes it back.
    counted.push([limiter, key]);
    return (await consumed).consumedPoints;
  }
}
