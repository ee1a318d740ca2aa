import type { Redis } from "ioredis";
import type { Leases } from "../../ports.ts";
import { guarded, required } from "./redis-client.ts";

/** A sorted set of holders scored by expiry (Redis time, so instances' clocks need not agree). */
const ACQUIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** The leases port on Redis, under `{prefix}:leases:`. */
export class RedisLeases implements Leases {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, keyPrefix: string) {
    this.#redis = redis;
    this.#prefix = `${keyPrefix}:leases:`;
  }

  async acquire(key: string, holder: string, limit: number, ttlSeconds: number): Promise<boolean> {
    const taken = await required(this.#redis, () =>
      this.#redis.eval(ACQUIRE, 1, this.#prefix + key, holder, limit, ttlSeconds * 1000),
    );
    return taken === 1;
  }

  /** A release that fails is harmless: the lease lapses on its own. */
  async release(key: string, holder: string): Promise<void> {
    await guarded(this.#redis, this.#redis.zrem(this.#prefix + key, holder)).catch(() => {});
  }
}
