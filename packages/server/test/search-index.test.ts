import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { SqlKeywordRanking } from "../src/adapters/sql/sql-keyword-ranking.ts";
import { SqlSearchIndex } from "../src/adapters/sql/sql-search-index.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
import { hourStart } from "../src/db/first-per-hour.ts";
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
        },
      };
    }));
});
