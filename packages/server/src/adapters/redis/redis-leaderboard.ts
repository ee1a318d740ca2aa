import type { Redis } from "ioredis";
import {
  HOUR_MS,
  type HourlyCount,
  type HourWindow,
  type Leaderboard,
  type Ranked,
  type VersionedScore,
} from "../../ports.ts";
import { pingRedis, required } from "./redis-client.ts";

/**
 * Adds to one hour bucket (`add`) or raises it to a count (`raise`), and carries the same change into every
 * window sum that holds the bucket, so a sum stays equal to the union of its buckets without being rebuilt.
 * ARGV: tally key, hour, member, amount, mode, hours kept, hour length in ms.
 */
const ADD = `
local tally, hour, member = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local amount, retain, hourMs = tonumber(ARGV[4]), tonumber(ARGV[6]), tonumber(ARGV[7])
local bucket = tally .. ':h:' .. ARGV[2]
if ARGV[5] == 'raise' then
  amount = amount - tonumber(redis.call('ZSCORE', bucket, member) or '0')
  if amount <= 0 then return 0 end
end
redis.call('ZINCRBY', bucket, amount, member)
redis.call('PEXPIREAT', bucket, (hour + retain + 1) * hourMs)
for _, hours in ipairs(redis.call('SMEMBERS', tally .. ':windows')) do
  for last = hour, hour + tonumber(hours) do
    local sum = tally .. ':w' .. hours .. ':' .. string.format('%d', last)
    if redis.call('EXISTS', sum) == 1 then redis.call('ZINCRBY', sum, amount, member) end
  end
end
return amount`;

/**
 * The best entries of a window's sum, building the sum from its buckets the first time it is read in its hour.
 * ARGV: tally key, hours, last hour, limit, hours kept, hour length in ms.
 */
const TOP = `
local tally, hours, last, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local retain, hourMs = tonumber(ARGV[5]), tonumber(ARGV[6])
local windows = tally .. ':windows'
redis.call('SADD', windows, ARGV[2])
redis.call('PEXPIRE', windows, (retain + 2) * hourMs)
local sum = tally .. ':w' .. ARGV[2] .. ':' .. ARGV[3]
if redis.call('EXISTS', sum) == 0 then
  local buckets = {}
  for hour = last - hours, last do buckets[#buckets + 1] = tally .. ':h:' .. string.format('%d', hour) end
  redis.call('ZUNIONSTORE', sum, #buckets, unpack(buckets))
  redis.call('PEXPIRE', sum, 2 * hourMs)
end
return redis.call('ZREVRANGE', sum, 0, limit - 1, 'WITHSCORES')`;

/** KEYS: scores, versions. ARGV: member, score ('' removes), version. */
const SET_SCORE = `
local current = redis.call('HGET', KEYS[2], ARGV[1])
if current and tonumber(current) > tonumber(ARGV[3]) then return 0 end
if ARGV[2] == '' then redis.call('ZREM', KEYS[1], ARGV[1]) else redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1`;

const BATCH = 500;

function ranked(flat: string[]): Ranked[] {
  const entries: Ranked[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    entries.push({ member: flat[i] as string, score: Number(flat[i + 1]) });
  }
  return entries;
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

/**
 * The leaderboard port on Redis sorted sets under `{prefix}:lb:`. A tally is a sorted set per hour
 * (`:h:{hour}`, expiring when it leaves the longest window) plus, for each window size that is read, a sum of
 * its buckets for the current hour (`:w{hours}:{hour}`); a standing is one sorted set with a hash of versions.
 * The tally scripts name their keys at run time (which sums exist), so this suits one Redis or Sentinel, not
 * Redis Cluster.
 */
export class RedisLeaderboard implements Leaderboard {
  readonly name = "leaderboard";
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #retainHours: number;

  /** `retainHours`: the longest window a tally answers for. */
  constructor(redis: Redis, keyPrefix: string, retainHours = 24) {
    this.#redis = redis;
    this.#prefix = `${keyPrefix}:lb:`;
    this.#retainHours = retainHours;
  }

  async increment(tally: string, member: string, by: number, at: number): Promise<void> {
    await this.#call(() => this.#redis.eval(ADD, 0, ...this.#addArgs(tally, member, by, at, "add")));
  }

  async raise(tally: string, counts: HourlyCount[]): Promise<void> {
    for (const batch of chunks(counts, BATCH)) {
      const pipeline = this.#redis.pipeline();
      for (const { member, hourStart, count } of batch) {
        pipeline.eval(ADD, 0, ...this.#addArgs(tally, member, count, hourStart, "raise"));
      }
      await this.#call(() => pipeline.exec().then(throwFirstError));
    }
  }

  #addArgs(tally: string, member: string, amount: number, at: number, mode: "add" | "raise") {
    const hour = Math.floor(at / HOUR_MS);
    return [this.#prefix + tally, hour, member, amount, mode, this.#retainHours, HOUR_MS];
  }

  async top(tally: string, window: HourWindow, limit: number): Promise<Ranked[]> {
    if (window.hours > this.#retainHours) throw new RangeError(`a tally keeps ${this.#retainHours} hours`);
    if (limit < 1) return [];
    const last = Math.floor(window.now / HOUR_MS);
    const flat = await this.#call(() =>
      this.#redis.eval(TOP, 0, this.#prefix + tally, window.hours, last, limit, this.#retainHours, HOUR_MS),
    );
    return ranked(flat as string[]);
  }

  async setScores(standing: string, scores: VersionedScore[]): Promise<void> {
    const key = this.#prefix + standing;
    for (const batch of chunks(scores, BATCH)) {
      const pipeline = this.#redis.pipeline();
      for (const { member, score, version } of batch) {
        pipeline.eval(SET_SCORE, 2, key, `${key}:versions`, member, score ?? "", version);
      }
      await this.#call(() => pipeline.exec().then(throwFirstError));
    }
  }

  async standings(standing: string, limit: number): Promise<Ranked[]> {
    if (limit < 1) return [];
    const flat = await this.#call(() =>
      this.#redis.zrevrange(this.#prefix + standing, 0, limit - 1, "WITHSCORES"),
    );
    return ranked(flat);
  }

  async builtAt(name: string): Promise<number | undefined> {
    const at = await this.#call(() => this.#redis.get(`${this.#prefix + name}:built`));
    return at === null ? undefined : Number(at);
  }

  /** Kept without expiry: it goes only with the data it vouches for (FLUSHDB, eviction of everything). */
  async markBuilt(name: string, at: number): Promise<void> {
    await this.#call(() => this.#redis.set(`${this.#prefix + name}:built`, String(at)));
  }

  ping(): Promise<void> {
    return pingRedis(this.#redis);
  }

  #call<T>(command: () => Promise<T>): Promise<T> {
    return required(this.#redis, command);
  }
}

function throwFirstError(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([error]) => error);
  if (failed) throw failed[0];
}
