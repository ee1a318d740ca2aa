import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { SqlKeywordRanking } from "../src/adapters/sql/sql-keyword-ranking.ts";
import { SqlSearchIndex } from "../src/adapters/sql/sql-search-index.ts";
import { raiseGeneration } from "../src/db/counters.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
import { FirstPerHour, hourStart } from "../src/db/first-per-hour.ts";
import { SearchLogRepository } from "../src/modules/search/repository.ts";
import { KEYWORD_HOURS_KEPT } from "../src/modules/search/service.ts";
import { describeEachBackend } from "./support/backends.ts";
import { keywordRankingContract, searchIndexContract } from "./support/search-contract.ts";
import { testEnvironment } from "./support/test-server.ts";

/** These documents come from no boards: the index on its own. */
const ALONE = { checksBoards: false };

describeEachBackend("SQL search adapters", (backend) => {
  let database: SqlDatabase;
  let cleanup = async () => {};
  const open = async () => {
    if (!database) {
      const environment = await testEnvironment(backend);
      database = openDatabase(environment.env.DATABASE_URL ?? `sqlite:${environment.env.DATA_DIR}/search.db`);
      await migrateToLatest(database.db);
      cleanup = environment.cleanup;
    }
    return database;
  };
  afterAll(async () => {
    await database?.close();
    await cleanup();
  });

  describe("SqlSearchIndex", () => searchIndexContract(async () => new SqlSearchIndex(await open(), ALONE)));
  describe("SqlSearchIndex over more matches than one statement walks", () => {
    it("ranks every match, an old title match first, and counts them exactly", async () => {
      const index = new SqlSearchIndex(await open(), ALONE);
      await index.clear();
      await index.indexMany(
        Array.from({ length: 2500 }, (_, i) => ({
          id: 1000 + i,
          version: 1,
          title: i === 0 ? "Redis cluster" : `Note ${i}`,
          contents: i === 1 ? "redis, redis and redis" : `About redis, note ${i}.`,
          categories: [],
        })),
      );
      for (const text of ["redis", "re"]) {
        const first = await index.search({ text, page: 1, size: 3 });
        expect(first.hits.map((hit) => [hit.id, hit.score])).toEqual([
          [1000, 4],
          [1001, 3],
          [3499, 1],
        ]);
        expect(first.total).toBe(2500);
        const second = await index.search({ text, page: 2, size: 3 });
        expect(second.hits.map((hit) => hit.id)).toEqual([3498, 3497, 3496]);
      }
    });

    it("answers the next search with a change another instance made to the index", async () => {
      const database = await open();
      const [reader, writer] = [new SqlSearchIndex(database, ALONE), new SqlSearchIndex(database, ALONE)];
      const document = (id: number, title: string) => ({
        id,
        version: 1,
        title,
        contents: "kiwi",
        categories: [],
      });
      await writer.clear();
      await writer.index(document(1, "alpha"));
      const ids = async () => (await reader.search({ text: "kiwi", page: 1, size: 5 })).hits.map((h) => h.id);
      expect(await ids()).toEqual([1]);
      await writer.index(document(2, "kiwi tart"));
      expect(await ids()).toEqual([2, 1]);
      await writer.index({ ...document(2, "tart"), version: 2, contents: "plum" });
      expect(await ids()).toEqual([1]);
      await writer.remove(1);
      expect(await ids()).toEqual([]);
    });
  });
  describe("SqlKeywordRanking", () =>
    keywordRankingContract(async () => {
      const { db } = await open();
      return {
        ranking: new SqlKeywordRanking(db),
        log: async (keyword, at) => {
          const first = { hour_start_ms: hourStart(at), keyword, searcher: randomUUID(), created_at: at };
          await db.insertInto("keyword_searchers").values(first).execute();
          await raiseGeneration(db, "keyword_generation");
        },
      };
    }));
  describe("SqlKeywordRanking kept between reads", () => {
    const MINUTE = 60_000;
    it("is exact on every read: another instance's searcher is counted at once, a row leaving the window when it leaves", async () => {
      const database = await open();
      // A day ahead, so the rows the contract wrote are outside every window here.
      const clock = { now: Date.now() + 24 * 60 * MINUTE };
      const reader = new SqlKeywordRanking(database.db, () => clock.now);
      const searchers = new FirstPerHour(database, "keyword_searchers", KEYWORD_HOURS_KEPT, () => {});
      const elsewhere = new SearchLogRepository(database, searchers);
      const search = (keyword: string, searcher: string, minutesAgo: number) =>
        elsewhere.firstThisHour(keyword, searcher, clock.now - minutesAgo * MINUTE);
      await search("vitest", "u:1", 50);
      await search("vitest", "u:2", 10);
      await search("biome", "u:1", 20);
      expect(await reader.top(60 * MINUTE, 10)).toEqual([
        { keyword: "vitest", count: 2 },
        { keyword: "biome", count: 1 },
      ]);

      await search("biome", "u:3", 5);
      await search("biome", "u:4", 1);
      expect(await search("biome", "u:4", 1)).toBe(false);
      expect(await reader.top(60 * MINUTE, 10)).toEqual([
        { keyword: "biome", count: 3 },
        { keyword: "vitest", count: 2 },
      ]);

      // vitest's searcher of 50 minutes ago leaves the hour 11 minutes later.
      clock.now += 10 * MINUTE;
      expect(await reader.top(60 * MINUTE, 10)).toEqual([
        { keyword: "biome", count: 3 },
        { keyword: "vitest", count: 2 },
      ]);
      clock.now += MINUTE + 1;
      const reads = await Promise.all(Array.from({ length: 20 }, () => reader.top(60 * MINUTE, 10)));
      for (const read of reads) {
        expect(read).toEqual([
          { keyword: "biome", count: 3 },
          { keyword: "vitest", count: 1 },
        ]);
      }
      expect(await reader.top(60 * MINUTE, 1)).toEqual([{ keyword: "biome", count: 3 }]);
    });
  });
});
