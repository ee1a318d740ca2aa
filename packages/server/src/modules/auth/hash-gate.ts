import { RateLimitedError, ServiceUnavailableError } from "../../shared/errors.ts";
import { addressKey } from "../../shared/rate-limits.ts";

export interface HashGateLimits {
  /** Hashes computed at once (each holds a libuv thread and 19 MiB). */
  concurrency: number;
  /** Hashes waiting, in all; one more is answered 503. */
  queue: number;
  /** Hashes waiting for one client address; one more is answered 429. */
  queuePerAddress: number;
}

/**
 * Bounds concurrent password hashes with a fair queue: each client address waits in its own FIFO lane and the lanes
 * take turns, so a flood from a few addresses cannot starve a real login from another, and a flood from many is
 * refused at once instead of making every login wait.
 */
export class HashGate {
  readonly #limits: HashGateLimits;
  readonly #lanes = new Map<string, Array<() => void>>();
  #running = 0;
  #waiting = 0;

  constructor(limits: HashGateLimits) {
    this.#limits = limits;
  }

  async run<T>(ip: string, work: () => Promise<T>): Promise<T> {
    if (this.#running < this.#limits.concurrency) this.#running++;
    else await this.#enqueue(addressKey(ip));
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #enqueue(lane: string): Promise<void> {
    const waiters = this.#lanes.get(lane) ?? [];
    if (waiters.length >= this.#limits.queuePerAddress) throw new RateLimitedError(1);
    if (this.#waiting >= this.#limits.queue) {
      throw new ServiceUnavailableError("password hashing", "too many sign-ins at once");
    }
    this.#waiting++;
    return new Promise((resolve) => {
      waiters.push(resolve);
      this.#lanes.set(lane, waiters);
    });
  }

  /** Hands the slot to the first waiter of the lane whose turn it is; that lane goes to the back. */
  #release(): void {
    const next = this.#lanes.entries().next();
    if (next.done) {
      this.#running--;
      return;
    }
    const [lane, waiters] = next.value;
    const resolve = waiters.shift();
    this.#lanes.delete(lane);
    if (waiters.length > 0) this.#lanes.set(lane, waiters);
    this.#waiting--;
    resolve?.();
  }
}
