import type { Career } from "@codechef/contract";
import type { Redis } from "ioredis";
import Redlock from "redlock";
import { type BoardDocuments, HOUR_MS, type SearchIndex } from "../../ports.ts";
import { NotFoundError } from "../../shared/errors.ts";
import type { AccessTokens } from "../auth/access-tokens.ts";
import type { RefreshTokens } from "../auth/refresh-tokens.ts";
import type { RankingsRepository } from "../rankings/repository.ts";
import type { RankingsService } from "../rankings/service.ts";
import { rebuildSearchIndex } from "../search/rebuild.ts";
import type { LabRepository } from "./repository.ts";
import { type SeedRequest, seed } from "./seed.ts";

const POINT_STRATEGIES = ["none", "optimistic", "pessimistic", "redis-lua", "redis-lock", "atomic"] as const;
type PointStrategy = (typeof POINT_STRATEGIES)[number];

/** Adds to a Redis counter and answers the new value in one atomic step (the original's Lua variant). */
const INCREMENT = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

export interface LabDeps {
  repository: LabRepository;
  redis: Redis | undefined;
  keyPrefix: string;
  rankings: RankingsService;
  rankingsRepository: RankingsRepository;
  searchIndex: SearchIndex;
  documents: BoardDocuments;
  access: AccessTokens;
  refresh: RefreshTokens;
}

const unknown = (what: string, name: string): never => {
  throw new NotFoundError(`${what} strategy ${name}`);
};

/**
 * The alternatives the bench compares with what production does, each written the way its school would write
 * it. None of them is used outside lab mode (`CODECHEF_LAB=1`).
 */
export class LabService {
  readonly #deps: LabDeps;
  readonly #redlock: Redlock | undefined;
  #retries = 0;
  readonly #writeBehind = new Set<number>();
  #flusher: NodeJS.Timeout | undefined;

  constructor(deps: LabDeps) {
    this.#deps = deps;
    this.#redlock = deps.redis
      ? new Redlock([deps.redis], { retryCount: -1, retryDelay: 5, retryJitter: 5 })
      : undefined;
  }

  #redis(): Redis {
    if (!this.#deps.redis) throw new NotFoundError("this strategy without REDIS_URL");
    return this.#deps.redis;
  }

  #key(name: string): string {
    return `${this.#deps.keyPrefix}:lab:${name}`;
  }

  async seed(request: SeedRequest) {
    const started = Date.now();
    const made = await seed(this.#deps.repository.db, request);
    await this.#deps.repository.copyViewsWithoutIndex();
    await this.#loadKeywords();
    await this.#deps.rankings.rebuild();
    if (request.index) await this.reindex();
    return { ...made, ms: Date.now() - started };
  }

  async reindex(): Promise<void> {
    await rebuildSearchIndex(this.#deps.searchIndex, this.#deps.documents);
  }

  /** A sign-in per user, as a login would make it, without the password hash seeded users lack. */
  async tokens(firstUser: number, count: number): Promise<{ tokens: string[] }> {
    const tokens: string[] = [];
    for (let userId = firstUser; userId < firstUser + count; userId++) {
      const { familyId } = await this.#deps.refresh.issue(userId);
      tokens.push(await this.#deps.access.issue(userId, familyId));
    }
    return { tokens };
  }

  async eventOutcome(eventId: number) {
    return (await this.#deps.repository.eventOutcome(eventId)) ?? unknown("event", String(eventId));
  }

  #pointStrategy(name: string): PointStrategy {
    return (POINT_STRATEGIES as readonly string[]).includes(name)
      ? (name as PointStrategy)
      : unknown("point", name);
  }

  async resetPoints(strategy: string, userId: number): Promise<void> {
    this.#pointStrategy(strategy);
    this.#retries = 0;
    await this.#deps.repository.resetBalance(userId);
    if (this.#deps.redis) await this.#deps.redis.del(this.#key(`points:${userId}`));
  }

  async grant(name: string, userId: number, delta: number): Promise<void> {
    const repository = this.#deps.repository;
    switch (this.#pointStrategy(name)) {
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
        if (!this.#redlock) this.#redis();
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

  async pointsOutcome(name: string, userId: number): Promise<{ final: number; retries: number }> {
    const final =
      this.#pointStrategy(name) === "redis-lua"
        ? Number((await this.#redis().get(this.#key(`points:${userId}`))) ?? 0)
        : await this.#deps.repository.balance(userId);
    return { final, retries: this.#retries };
  }

  /** Popular boards: unindexed SQL, production's indexed SQL, that SQL behind a 1 s cache, production's sorted sets. */
  async popularBoards(strategy: string, window: "1h" | "24h", limit: number): Promise<{ items: unknown[] }> {
    const hours = window === "24h" ? 24 : 1;
    const since = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - hours * HOUR_MS;
    const fromSql = () => this.#deps.rankingsRepository.popularBoardsSince(since, limit);
    switch (strategy) {
      case "db-noindex":
        return { items: await this.#deps.repository.popularWithoutIndex(since, limit) };
      case "db-index":
        return { items: await fromSql() };
      case "read-through-cache":
        return { items: await this.#readThrough(`popular:${since}:${limit}`, fromSql) };
      case "sorted-set":
        return this.#deps.rankings.popularBoards(window, limit);
    }
    return unknown("ranking", strategy);
  }

  async topUsers(strategy: string, career: Career): Promise<{ items: unknown[] }> {
    if (strategy === "db") return { items: await this.#deps.rankingsRepository.topPoints(career, 10) };
    if (strategy === "sorted-set") return this.#deps.rankings.topUsers(career, "realtime", 10);
    return unknown("ranking", strategy);
  }

  prepareSearch(): Promise<void> {
    return this.#deps.repository.ensureSearchIndexes();
  }

  async search(strategy: string, term: string): Promise<{ items: unknown[] }> {
    const repository = this.#deps.repository;
    if (strategy === "like-scan") return { items: await repository.searchLikeScan(term, 20) };
    if (strategy === "prefix-index") return { items: await repository.searchPrefix(term, 20) };
    if (strategy === "fulltext") return { items: await repository.searchFulltext(term, 20) };
    return unknown("search", strategy);
  }

  /** `redis-zset` keywords: the sorted set holds what the search log holds (loaded at seeding). */
  async topKeywords(limit: number): Promise<{ items: { keyword: string; count: number }[] }> {
    const flat = await this.#redis().zrevrange(this.#key("keywords"), 0, limit - 1, "WITHSCORES");
    const items: { keyword: string; count: number }[] = [];
    for (let i = 0; i < flat.length; i += 2)
      items.push({ keyword: flat[i] ?? "", count: Number(flat[i + 1]) });
    return { items };
  }

  async #loadKeywords(): Promise<void> {
    if (!this.#deps.redis) return;
    const key = this.#key("keywords");
    await this.#deps.redis.del(key);
    for (const { keyword, count } of await this.#deps.repository.keywordCounts()) {
      await this.#deps.redis.zadd(key, count, keyword);
    }
  }

  /** `read-modify-write`; `redis-incr-flush` (to Redis at once, to SQL once a second: write-behind); `reset`. */
  async view(strategy: string, boardId: number): Promise<void> {
    if (strategy === "read-modify-write") return this.#deps.repository.viewReadModifyWrite(boardId);
    if (strategy === "reset") return this.#deps.repository.resetViews(boardId);
    if (strategy !== "redis-incr-flush") return unknown("view", strategy);
    await this.#redis().incr(this.#key(`views:${boardId}`));
    this.#writeBehind.add(boardId);
    this.#flusher ??= setInterval(() => void this.flushViews(), 1000);
  }

  async flushViews(): Promise<void> {
    for (const boardId of this.#writeBehind) {
      const views = Number((await this.#redis().getset(this.#key(`views:${boardId}`), "0")) ?? 0);
      if (views > 0) await this.#deps.repository.addViews(boardId, views);
    }
  }

  async viewCount(boardId: number): Promise<{ count: number }> {
    return { count: await this.#deps.repository.viewCount(boardId) };
  }

  async #readThrough<T>(name: string, load: () => Promise<T>): Promise<T> {
    const key = this.#key(name);
    const cached = await this.#redis().get(key);
    if (cached) return JSON.parse(cached) as T;
    const fresh = await load();
    await this.#redis().set(key, JSON.stringify(fresh), "PX", 1000);
    return fresh;
  }

  stop(): void {
    clearInterval(this.#flusher);
    this.#flusher = undefined;
  }
}
