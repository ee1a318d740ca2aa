import type { Redis } from "ioredis";
import Redlock from "redlock";
import type { SqlDatabase } from "../../db/database.ts";
import type { RankingsService } from "../rankings/service.ts";
import type { LabRepository } from "./repository.ts";

export const POINT_STRATEGIES = [
  "none",
  "optimistic",
  "pessimistic",
  "redis-lua",
  "redis-lock",
  "atomic",
] as const;
export type PointStrategy = (typeof POINT_STRATEGIES)[number];

/** Adds to a Redis counter and answers the new value in one atomic step (the original's Lua variant). */
const INCREMENT = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

export interface LabDeps {
  database: SqlDatabase;
  repository: LabRepository;
  redis: Redis | undefined;
  keyPrefix: string;
  rankings: RankingsService;
}

/**
 * The alternatives the bench compares with what production does, each written the way its school would write
 * it. None of them is used outside lab mode.
 */
export class LabService {
  readonly #deps: LabDeps;
  readonly #redlock: Redlock | undefined;
  #retries = 0;
  readonly #pendingViews = new Map<number, number>();
  #flusher: NodeJS.Timeout | undefined;

  constructor(deps: LabDeps) {
    this.#deps = deps;
    this.#redlock = deps.redis
      ? new Redlock([deps.redis], { retryCount: 1000, retryDelay: 5, retryJitter: 5 })
      : undefined;
  }

  #redis(): Redis {
    if (!this.#deps.redis) throw new Error("this strategy needs REDIS_URL");
    return this.#deps.redis;
  }

  #key(name: string): string {
    return `${this.#deps.keyPrefix}:lab:${name}`;
  }

  async resetPoints(userId: number): Promise<void> {
    this.#retries = 0;
    await this.#deps.repository.resetBalance(userId);
    if (this.#deps.redis) await this.#deps.redis.del(this.#key(`points:${userId}`));
  }

  async grant(strategy: PointStrategy, userId: number, delta: number): Promise<void> {
    const repository = this.#deps.repository;
    switch (strategy) {
      case "none":
        return repository.readThenWrite(userId, delta);
      case "optimistic":
        while (!(await repository.writeIfVersion(userId, delta))) this.#retries++;
        return;
      case "pessimistic":
        return repository.lockThenWrite(userId, delta);
      case "redis-lua":
        await this.#redis().eval(INCREMENT, 1, this.#key(`points:${userId}`), delta);
        return;
      case "redis-lock": {
        const lock = await (this.#redlock as Redlock).acquire([this.#key(`lock:${userId}`)], 5000);
        try {
          await repository.readThenWrite(userId, delta);
        } finally {
          await lock.release();
        }
        return;
      }
      case "atomic":
        return repository.addAtomically(userId, delta);
    }
  }

  async pointsOutcome(strategy: PointStrategy, userId: number): Promise<{ final: number; retries: number }> {
    const final =
      strategy === "redis-lua"
        ? Number((await this.#redis().get(this.#key(`points:${userId}`))) ?? 0)
        : await this.#deps.repository.balance(userId);
    return { final, retries: this.#retries };
  }

  /** `redis-incr-flush`: the view goes to Redis at once and to SQL in batches once a second (write-behind). */
  async viewWriteBehind(boardId: number): Promise<void> {
    await this.#redis().incr(this.#key(`views:${boardId}`));
    this.#pendingViews.set(boardId, 0);
    this.#flusher ??= setInterval(() => void this.flushViews(), 1000);
  }

  async flushViews(): Promise<void> {
    for (const boardId of this.#pendingViews.keys()) {
      const views = Number((await this.#redis().getset(this.#key(`views:${boardId}`), "0")) ?? 0);
      if (views > 0) await this.#deps.repository.addViews(boardId, views);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#flusher);
    this.#flusher = undefined;
  }

  /** `redis-zset` keywords: ZINCRBY per search, ZREVRANGE for the top. */
  async searchedKeyword(keyword: string): Promise<void> {
    await this.#redis().zincrby(this.#key("keywords"), 1, keyword);
  }

  /** Sets the sorted set to the counts the search log holds (after seeding). */
  async loadKeywords(counts: { keyword: string; count: number }[]): Promise<void> {
    if (!this.#deps.redis) return;
    const key = this.#key("keywords");
    await this.#deps.redis.del(key);
    for (const { keyword, count } of counts) await this.#deps.redis.zadd(key, count, keyword);
  }

  async topKeywords(limit: number): Promise<{ keyword: string; count: number }[]> {
    const flat = await this.#redis().zrevrange(this.#key("keywords"), 0, limit - 1, "WITHSCORES");
    const items: { keyword: string; count: number }[] = [];
    for (let i = 0; i < flat.length; i += 2)
      items.push({ keyword: flat[i] ?? "", count: Number(flat[i + 1]) });
    return items;
  }

  /** `read-through-cache` popular boards: the SQL answer kept in Redis for a second. */
  async popularReadThrough(since: number, limit: number, load: () => Promise<unknown>): Promise<unknown> {
    const key = this.#key(`popular:${since}:${limit}`);
    const cached = await this.#redis().get(key);
    if (cached) return JSON.parse(cached);
    const fresh = await load();
    await this.#redis().set(key, JSON.stringify(fresh), "PX", 1000);
    return fresh;
  }
}
