import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from "rate-limiter-flexible";
import type { Limit, Limiter } from "../ports.ts";

const REDIS_TIMEOUT_MS = 1000;

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
