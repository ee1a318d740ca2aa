import { auth, boards, chat, comments, type Endpoint } from "@codechef/contract";
import type { Config } from "../config.ts";
import type { Limiter, LimiterFactory } from "../ports.ts";
import { addressKey, asRateLimited } from "../shared/rate-limits.ts";

export type WriteAction = "boards" | "comments" | "rooms" | "chatMessages" | "signups";

const LIMITED = new Map<Endpoint, WriteAction>([
  [boards.create, "boards"],
  [comments.create, "comments"],
  [chat.createRoom, "rooms"],
  [auth.signup, "signups"],
]);

/**
 * Per-user and per-address limits on creating calls, each answered with 429 and `Retry-After`. `RATE_LIMITS=off`
 * turns them all off (benchmarks, load tests); the login throttle is separate and always on.
 */
export class WriteLimits {
  readonly #limiters = new Map<WriteAction, { perUser?: Limiter; perAddress: Limiter }>();

  constructor(limits: Config["writeLimits"], create: LimiterFactory) {
    if (!limits.enabled) return;
    for (const action of ["boards", "comments", "rooms", "chatMessages", "signups"] as const) {
      const limit = limits[action];
      this.#limiters.set(action, {
        perUser: "perUser" in limit ? create(`${action}:user`, limit.perUser) : undefined,
        perAddress: create(`${action}:address`, limit.perAddress),
      });
    }
  }

  /**
   * Counts one call of `action` (a STOMP chat SEND calls it with `chatMessages`); throws 429 when the user or the
   * address is over its limit.
   */
  async admit(action: WriteAction, userId: number | undefined, ip: string | undefined): Promise<void> {
    const limiters = this.#limiters.get(action);
    if (!limiters) return;
    try {
      if (limiters.perUser && userId !== undefined) await limiters.perUser.consume(String(userId));
      if (ip !== undefined) await limiters.perAddress.consume(addressKey(ip));
    } catch (error) {
      throw asRateLimited(error);
    }
  }

  /** The route chain's hook: counts the call when its endpoint creates something. */
  async admitEndpoint(endpoint: Endpoint, userId: number | undefined, ip: string): Promise<void> {
    const action = LIMITED.get(endpoint);
    if (action) await this.admit(action, userId, ip);
  }
}
