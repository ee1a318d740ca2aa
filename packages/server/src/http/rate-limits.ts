import { auth, boards, chat, comments, type Endpoint } from "@codechef/contract";
import type { Redis } from "ioredis";
import ipaddr from "ipaddr.js";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from "rate-limiter-flexible";
import type { Config } from "../config.ts";
import { RateLimitedError } from "./errors.ts";

const REDIS_TIMEOUT_MS = 1000;

export interface Limit {
  points: number;
  seconds: number;
}

export type Limiter = RateLimiterAbstract | RLWrapperTimeouts;

/**
 * Makes rate limiters in a store of their own: Redis (shared by every instance, falling back to this process
 * while Redis is down or slow) or this process's memory. Never the cache, whose entries other traffic evicts.
 */
export function limiterFactory(redis: Redis | undefined, keyPrefix: string) {
  return (name: string, { points, seconds }: Limit): Limiter => {
    const options = { keyPrefix: `${keyPrefix}:limit:${name}`, points, duration: seconds };
    const memory = new RateLimiterMemory(options);
    if (!redis) return memory;
    return new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true }),
      insuranceLimiter: memory,
      timeoutMs: REDIS_TIMEOUT_MS,
    });
  };
}
export type LimiterFactory = ReturnType<typeof limiterFactory>;

/** A refusal as the 429 it answers; anything else (a store failure) is thrown on. */
export function asRateLimited(error: unknown): unknown {
  return error instanceof RateLimiterRes ? new RateLimitedError(error.msBeforeNext / 1000) : error;
}

/**
 * The key a client address is counted under: an IPv4 address (IPv4-mapped IPv6 included) as it is, an IPv6
 * address by its /64 network, which one subscriber usually holds whole.
 */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${v6.toNormalizedString().split(":").slice(0, 4).join(":")}::/64`;
}

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
