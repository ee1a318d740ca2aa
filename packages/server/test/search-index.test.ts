import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { SqlKeywordRanking } from "../src/adapters/sql/sql-keyword-ranking.ts";
import { SqlSearchIndex } from "../src/adapters/sql/sql-search-index.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
import { hourStart } from "../src/db/first-per-hour.ts";
import { describeEachBackend } from "./support/backends.ts";
import { keywordRankingContract, searchIndexContract } from "./support/search-contract.ts";
import { testEnvironment } from "./support/test-server.ts";

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

  describe("SqlSearchIndex", () => searchIndexContract(async () => new SqlSearchIndex(await open())));
  describe("SqlSearchIndex with more matches than it ranks", () => {
    it("still ranks an old title match first and caps the total at the ranked matches", async () => {
      const index = new SqlSearchIndex(await open());
      await index.clear();
      await index.indexMany(
        Array.from({ length: 600 }, (_, i) => ({
          id: 1000 + i,
          version: 1,
          title: i === 0 ? "Redis cluster" : `Note ${i}`,
          contents: `About redis, note ${i}.`,
          categories: [],
        })),
      );
      const { hits, total } = await index.search({ text: "redis", page: 1, size: 3 });
      expect(hits.map((hit) => hit.id)).toEqual([1000, 1599, 1598]);
      expect(total).toBe(200);
      const short = await index.search({ text: "re", page: 1, size: 3 });
      expect(short.hits.map((hit) => hit.id)).toEqual([1000, 1599, 1598]);
      expect(short.total).toBe(200);
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
        },
      };
    }));
});
