import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCache } from "../src/adapters/memory/memory-cache.ts";
import { RedisCache } from "../src/adapters/redis/redis-cache.ts";
import { connectRedis } from "../src/adapters/redis/redis-client.ts";
import type { Cache } from "../src/ports.ts";
import { ServiceUnavailableError } from "../src/shared/errors.ts";
import { serviceUrls } from "./support/backends.ts";

type Adapter = { name: string; open(): Promise<Cache>; close(): Promise<void> };

let redis: Redis | undefined;
const adapters: Adapter[] = [
  { name: "memory", open: async () => new MemoryCache(), close: async () => {} },
  {
    name: "redis",
    async open() {
      redis = connectRedis(serviceUrls.redis ?? "");
      await new Promise((resolve) => redis?.once("ready", resolve));
      return new RedisCache(redis, `test:${randomBytes(4).toString("hex")}`);
    },
    close: async () => redis?.disconnect(),
  },
];

for (const adapter of adapters) {
  const run = adapter.name === "redis" && !serviceUrls.redis ? describe.skip : describe;
  run(`cache port [${adapter.name}]`, () => {
    let cache: Cache;
    beforeAll(async () => {
      cache = await adapter.open();
    });
    afterAll(() => adapter.close());

    it("stores, reads back a copy, and deletes", async () => {
      const value = { a: 1, nested: { b: "한글" } };
      await cache.set("k", value, 60);
      value.a = 2;
      expect(await cache.get("k")).toEqual({ a: 1, nested: { b: "한글" } });
      await cache.delete("k");
      expect(await cache.get("k")).toBeUndefined();
    });

    it("counts hits in a window that starts at the first hit; a delete starts over", async () => {
      expect((await cache.hit("w", 60)).count).toBe(1);
      const second = await cache.hit("w", 60);
      expect(second.count).toBe(2);
      expect(second.resetInSeconds).toBeGreaterThan(0);
      expect(second.resetInSeconds).toBeLessThanOrEqual(60);
      await cache.delete("w");
      expect((await cache.hit("w", 60)).count).toBe(1);
    });

    it("keeps only the newest version of a versioned entry", async () => {
      expect(await cache.getVersioned("doc")).toBeUndefined();
      expect(await cache.setVersioned("doc", 2, { title: "two" }, 60)).toBe(true);
      expect(await cache.setVersioned("doc", 1, { title: "one" }, 60)).toBe(false);
      expect(await cache.setVersioned("doc", 2, { title: "another two" }, 60)).toBe(false);
      expect(await cache.getVersioned("doc")).toEqual({ version: 2, value: { title: "two" } });
      expect(await cache.setVersioned("doc", 3, { title: "three" }, 60)).toBe(true);
      expect(await cache.getVersioned("doc")).toEqual({ version: 3, value: { title: "three" } });
      await cache.delete("doc");
      expect(await cache.getVersioned("doc")).toBeUndefined();
    });

    it("ends on the newest of racing versioned writes, whatever order they land in", async () => {
      const versions = Array.from({ length: 30 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      const stored = await Promise.all(versions.map((v) => cache.setVersioned("race", v, { v }, 60)));
      expect(stored.some(Boolean)).toBe(true);
      expect(await cache.getVersioned("race")).toEqual({ version: 30, value: { v: 30 } });
      expect(await cache.setVersioned("race", 29, { v: 29 }, 60)).toBe(false);
    });

    it("counts every one of 50 concurrent hits", async () => {
      const counts = await Promise.all(Array.from({ length: 50 }, () => cache.hit("many", 60)));
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });
  });
}

describe("cache port [memory] eviction", () => {
  // An entry of a one-character key and value costs about 104 bytes: 250 hold two.
  it("evicts the least recently used entry beyond its size", async () => {
    const cache = new MemoryCache(250);
    await cache.set("a", 1, 60);
    await cache.set("b", 2, 60);
    await cache.get("a");
    await cache.set("c", 3, 60);
    expect(await cache.get("b")).toBeUndefined();
    expect(await cache.get("a")).toBe(1);
  });

  it("is bounded by bytes: a large value pushes out as many small ones as it needs, one over the bound is not kept", async () => {
    const cache = new MemoryCache(10_000);
    for (let i = 0; i < 40; i++) await cache.set(`small:${i}`, i, 60);
    expect(await cache.get("small:0")).toBe(0);
    await cache.set("large", "x".repeat(3000), 60);
    expect(await cache.get("large")).toHaveLength(3000);
    expect(cache.bytes).toBeLessThanOrEqual(10_000);
    expect(await cache.get("small:1")).toBeUndefined();
    expect(await cache.get("small:0")).toBe(0);
    await cache.set("huge", "x".repeat(6000), 60);
    expect(await cache.get("huge")).toBeUndefined();
    expect(await cache.get("large")).toHaveLength(3000);
    await cache.delete("large");
    expect(cache.bytes).toBeLessThan(4000);
  });
});

describe("cache port [redis unreachable]", () => {
  it("misses on reads, ignores writes and reports counters as unavailable", async () => {
    const down = connectRedis("redis://127.0.0.1:1/0");
    const cache = new RedisCache(down, "test:down");
    try {
      await cache.set("k", 1, 60);
      expect(await cache.get("k")).toBeUndefined();
      expect(await cache.setVersioned("v", 1, 1, 60)).toBe(false);
      expect(await cache.getVersioned("v")).toBeUndefined();
      await expect(cache.hit("k", 60)).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(cache.ping()).rejects.toThrow();
    } finally {
      down.disconnect();
    }
  });
});
