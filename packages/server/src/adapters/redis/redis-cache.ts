import type { Redis } from "ioredis";
import type { Cache, Versioned, WindowCount } from "../../ports.ts";
import { guarded, pingRedis, required } from "./redis-client.ts";

const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`;

/** A hash {v: version, d: JSON}; replaced only by a newer version. */
const SET_VERSIONED = `
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** The cache port on Redis: JSON values under `{prefix}:cache:`. */
export class RedisCache implements Cache {
  readonly name = "redis";
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, keyPrefix: string) {
    this.#redis = redis;
    this.#prefix = `${keyPrefix}:cache:`;
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      const raw = await guarded(this.#redis, this.#redis.get(this.#prefix + key));
      return raw === null ? undefined : (JSON.parse(raw) as T);
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await guarded(
      this.#redis,
      this.#redis.set(this.#prefix + key, JSON.stringify(value), "EX", ttlSeconds),
    ).catch(() => {});
  }

  async delete(key: string): Promise<void> {
    await guarded(this.#redis, this.#redis.del(this.#prefix + key)).catch(() => {});
  }

  async getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
    try {
      const [version, data] = await guarded(this.#redis, this.#redis.hmget(this.#prefix + key, "v", "d"));
      return version == null || data == null
        ? undefined
        : { version: Number(version), value: JSON.parse(data) as T };
    } catch {
      return undefined;
    }
  }

  async setVersioned(key: string, version: number, value: unknown, ttlSeconds: number): Promise<boolean> {
    try {
      const stored = await guarded(
        this.#redis,
        this.#redis.eval(
          SET_VERSIONED,
          1,
          this.#prefix + key,
          version,
          JSON.stringify(value),
          ttlSeconds * 1000,
        ),
      );
      return stored === 1;
    } catch {
      return false;
    }
  }

  async hit(key: string, windowSeconds: number): Promise<WindowCount> {
    const [count, ttl] = (await required(this.#redis, () =>
      this.#redis.eval(HIT, 1, this.#prefix + key, windowSeconds * 1000),
    )) as [number, number];
    return { count, resetInSeconds: ttl / 1000 };
  }

  ping(): Promise<void> {
    return pingRedis(this.#redis);
  }

  async close(): Promise<void> {}
}
