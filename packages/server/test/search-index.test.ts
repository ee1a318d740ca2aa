import { afterAll, describe } from "vitest";
import { SqlKeywordRanking } from "../src/adapters/sql/sql-keyword-ranking.ts";
import { SqlSearchIndex } from "../src/adapters/sql/sql-search-index.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
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
  describe("SqlKeywordRanking", () =>
    keywordRankingContract(async () => {
      const { db } = await open();
      return {
        ranking: new SqlKeywordRanking(db),
        log: async (keyword, at) => {
          await db.insertInto("search_log").values({ keyword, user_id: null, created_at: at }).execute();
        },
      };
    }));
});
