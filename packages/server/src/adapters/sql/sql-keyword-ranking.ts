import type { Db } from "../../db/database.ts";
import type { KeywordCount, KeywordRanking } from "../../ports.ts";

/** Ranks keywords by their searchers per hour (`keyword_searchers`, indexed on `created_at, keyword`). */
export class SqlKeywordRanking implements KeywordRanking {
  readonly name = "keywords";
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async ping(): Promise<void> {
    await this.#db.selectFrom("keyword_searchers").select("keyword").limit(1).execute();
  }

  /** Nothing to do: the search service has already written the `keyword_searchers` row this ranking reads. */
  async add(): Promise<void> {}

  async top(since: number, limit: number): Promise<KeywordCount[]> {
    const rows = await this.#db
      .selectFrom("keyword_searchers")
      .select(["keyword", (eb) => eb.fn.countAll<number | string>().as("count")])
      .where("created_at", ">=", since)
      .groupBy("keyword")
      .orderBy("count", "desc")
      .orderBy("keyword")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ keyword: row.keyword, count: Number(row.count) }));
  }
}
