import type { Logger } from "../../logger.ts";
import type { Cache } from "../../ports.ts";
import { RateLimitedError } from "../../shared/errors.ts";

const MAX_FAILURES = 5;
const WINDOW_SECONDS = 60;

/**
 * Failed logins per (email, client address): the sixth attempt within a minute of the first failure is refused.
 * Each attempt is counted atomically before its password is checked, so a burst of parallel guesses cannot slip
 * past the limit; a success clears the count. Counted in the shared cache; while it is down, in this process.
 */
export class LoginThrottle {
  readonly #shared: Cache;
  readonly #local: Cache;
  readonly #logger: Logger;

  constructor(shared: Cache, local: Cache, logger: Logger) {
    this.#shared = shared;
    this.#local = local;
    this.#logger = logger;
  }

  async #withFallback<T>(work: (cache: Cache) => Promise<T>): Promise<T> {
    try {
      return await work(this.#shared);
    } catch (error) {
      if (this.#shared === this.#local) throw error;
      this.#logger.warn("login throttle falls back to this process", { reason: (error as Error).message });
      return work(this.#local);
    }
  }

  /** Counts an attempt; throws 429 once the window holds more than the allowed failures. */
  async attempt(email: string, ip: string): Promise<void> {
    const { count, resetInSeconds } = await this.#withFallback((cache) =>
      cache.hit(key(email, ip), WINDOW_SECONDS),
    );
    if (count > MAX_FAILURES) throw new RateLimitedError(resetInSeconds);
  }

  async succeeded(email: string, ip: string): Promise<void> {
    await Promise.all([this.#shared.delete(key(email, ip)), this.#local.delete(key(email, ip))]);
  }
}

const key = (email: string, ip: string) => `login-failures:${email}:${ip}`;
