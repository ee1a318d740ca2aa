import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MemoryLeaderboard } from "../src/adapters/memory/memory-leaderboard.ts";
import { connectRedis, redisConnected } from "../src/adapters/redis/redis-client.ts";
import { RedisLeaderboard } from "../src/adapters/redis/redis-leaderboard.ts";
import { HOUR_MS, type Leaderboard } from "../src/ports.ts";
import { serviceUrls } from "./support/backends.ts";
import { deleteKeys } from "./support/redis-keys.ts";

const redisUrl = serviceUrls.redis;
const redis = redisUrl ? connectRedis(redisUrl) : undefined;
const prefix = `test:lb${randomBytes(4).toString("hex")}`;

const adapters: { name: string; create(): Leaderboard }[] = [
  { name: "memory", create: () => new MemoryLeaderboard() },
];
if (redis) adapters.push({ name: "redis", create: () => new RedisLeaderboard(redis, prefix) });
else console.warn("\n!!! the Redis leaderboard suite is SKIPPED: TEST_REDIS_URL not set\n");

beforeAll(async () => {
  if (redis) await redisConnected(redis);
});

afterAll(async () => {
  if (!redis) return;
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

describe.each(adapters)("leaderboard port [$name]", ({ create }) => {
  let leaderboard: Leaderboard;
  let tally: string;
  const now = Date.now();
  const hoursAgo = (hours: number) => now - hours * HOUR_MS;
  const day = { hours: 24, now };
  const hour = { hours: 1, now };

  beforeEach(() => {
    leaderboard = create();
    tally = `tally-${randomBytes(4).toString("hex")}`;
  });

  it("ranks members by their sum over a window, best first, ties by member descending", async () => {
    await leaderboard.increment(tally, "a", 1, now);
    await leaderboard.increment(tally, "b", 2, now);
    await leaderboard.increment(tally, "a", 3, hoursAgo(2));
    await leaderboard.increment(tally, "c", 2, hoursAgo(5));
    await leaderboard.increment(tally, "d", 1, now);

    expect(await leaderboard.top(tally, day, 10)).toEqual([
      { member: "a", score: 4 },
      { member: "c", score: 2 },
      { member: "b", score: 2 },
      { member: "d", score: 1 },
    ]);
    expect(await leaderboard.top(tally, day, 2)).toEqual([
      { member: "a", score: 4 },
      { member: "c", score: 2 },
    ]);
  });

  it("covers the current hour and the `hours` before it, and forgets what is older than it keeps", async () => {
    await leaderboard.increment(tally, "now", 1, now);
    await leaderboard.increment(tally, "last-hour", 1, hoursAgo(1));
    await leaderboard.increment(tally, "two-hours", 1, hoursAgo(2));
    await leaderboard.increment(tally, "yesterday", 1, hoursAgo(23));
    await leaderboard.increment(tally, "too-old", 1, hoursAgo(30));

    const members = async (window: { hours: number; now: number }) =>
      (await leaderboard.top(tally, window, 10)).map((entry) => entry.member).sort();
    expect(await members(hour)).toEqual(["last-hour", "now"]);
    expect(await members(day)).toEqual(["last-hour", "now", "two-hours", "yesterday"]);
    await expect(leaderboard.top(tally, { hours: 25, now }, 10)).rejects.toThrow(RangeError);
  });

  it("keeps a window's sum right when counts arrive after it was read, in any bucket it holds", async () => {
    await leaderboard.increment(tally, "a", 1, now);
    expect(await leaderboard.top(tally, day, 10)).toEqual([{ member: "a", score: 1 }]);
    expect(await leaderboard.top(tally, hour, 10)).toEqual([{ member: "a", score: 1 }]);

    await leaderboard.increment(tally, "b", 5, hoursAgo(1));
    await leaderboard.increment(tally, "a", 1, hoursAgo(3));
    await leaderboard.raise(tally, [{ member: "c", hourStart: hoursAgo(10), count: 3 }]);

    expect(await leaderboard.top(tally, day, 10)).toEqual([
      { member: "b", score: 5 },
      { member: "c", score: 3 },
      { member: "a", score: 2 },
    ]);
    expect(await leaderboard.top(tally, hour, 10)).toEqual([
      { member: "b", score: 5 },
      { member: "a", score: 1 },
    ]);
  });

  it("raises counts to the database's and never lowers them, so a rebuild can race live increments", async () => {
    await leaderboard.increment(tally, "a", 1, now);
    await leaderboard.increment(tally, "b", 9, now);
    const fromDatabase = [
      { member: "a", hourStart: now, count: 4 },
      { member: "b", hourStart: now, count: 7 },
      { member: "c", hourStart: hoursAgo(4), count: 2 },
    ];
    await leaderboard.raise(tally, fromDatabase);
    await leaderboard.raise(tally, fromDatabase);
    await leaderboard.increment(tally, "a", 1, now);

    expect(await leaderboard.top(tally, day, 10)).toEqual([
      { member: "b", score: 9 },
      { member: "a", score: 5 },
      { member: "c", score: 2 },
    ]);
  });

  it("sets standings by version: an older version never overwrites a newer one, null removes", async () => {
    const standing = `standing-${tally}`;
    await leaderboard.setScores(standing, [
      { member: "1", score: 10, version: 5 },
      { member: "2", score: 20, version: 1 },
      { member: "3", score: 5, version: 1 },
    ]);
    expect(await leaderboard.standings(standing, 1)).toEqual([{ member: "2", score: 20 }]);
    await leaderboard.setScores(standing, [
      { member: "1", score: 3, version: 4 },
      { member: "2", score: 2, version: 2 },
      { member: "3", score: null, version: 1 },
    ]);

    expect(await leaderboard.standings(standing, 10)).toEqual([
      { member: "1", score: 10 },
      { member: "2", score: 2 },
    ]);
    expect(await leaderboard.standings(standing, 1)).toEqual([{ member: "1", score: 10 }]);
    expect(await leaderboard.standings(`other-${tally}`, 10)).toEqual([]);
  });

  it("keeps when each name was last built", async () => {
    expect(await leaderboard.builtAt(tally)).toBeUndefined();
    await leaderboard.markBuilt(tally, now - 1000);
    await leaderboard.markBuilt(tally, now);
    expect(await leaderboard.builtAt(tally)).toBe(now);
    expect(await leaderboard.builtAt(`other-${tally}`)).toBeUndefined();
  });
});

describe.skipIf(!redis)("redis leaderboard keys", () => {
  it("carries the prefix on every key, expires buckets after the longest window, and loses its mark with its data", async () => {
    if (!redis) return;
    const own = `${prefix}:keys`;
    const leaderboard = new RedisLeaderboard(redis, own);
    const now = Date.now();
    await leaderboard.increment("views", "1", 1, now);
    await leaderboard.top("views", { hours: 24, now }, 3);
    await leaderboard.setScores("points", [{ member: "1", score: 5, version: 1 }]);
    await leaderboard.markBuilt("views", now);

    const keys = await redis.keys(`${own}:*`);
    expect(keys.length).toBe(6);
    const bucket = `${own}:lb:views:h:${Math.floor(now / HOUR_MS)}`;
    expect(keys).toContain(bucket);
    const ttl = await redis.pttl(bucket);
    expect(ttl).toBeGreaterThan(24 * HOUR_MS);
    expect(ttl).toBeLessThanOrEqual(25 * HOUR_MS);
    const lasting = [`${own}:lb:points`, `${own}:lb:points:versions`, `${own}:lb:views:built`];
    for (const key of keys.filter((k) => !lasting.includes(k))) {
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    }

    expect(await deleteKeys(redis, own)).toBe(6);
    expect(await leaderboard.builtAt("views")).toBeUndefined();
    expect(await leaderboard.top("views", { hours: 24, now }, 3)).toEqual([]);
  });
});
