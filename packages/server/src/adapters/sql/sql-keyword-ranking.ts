import type { Db } from "../../db/database.ts";
import type { KeywordCount, KeywordRanking } from "../../ports.ts";
import { SharedReads } from "../../shared/batches.ts";

/** A computed ranking, and what it is exact for. */
interface Ranking {
  generation: number;
  since: number;
  /** The oldest searcher row of the ranked keywords: once the window starts after it, the ranking is stale. */
  oldest: number;
  items: KeywordCount[];
}

/**
 * Ranks keywords by their searchers per hour (`keyword_searchers`, indexed on `created_at, keyword`). A ranking
 * is kept per window and limit with the `keyword_generation` it was computed at, which every claimed searcher
 * raises in its transaction. It stays the exact answer while no searcher is added and none of the ranked
 * keywords' rows has left the window: a row of a keyword outside the ranking leaving only lowers an outsider.
 * Each read asks for the generation, one statement for all the reads that queued meanwhile; the reads that find
 * their ranking stale share one computation.
 */
export class SqlKeywordRanking implements KeywordRanking {
  readonly name = "keywords";
  readonly #db: Db;
  readonly #now: () => number;
  readonly #rankings = new Map<string, Ranking>();
  /** The generation, one statement for every read that queued while one ran. */
  readonly #generation = new SharedReads<number>();
  /**
   * One computation per window and limit at a time, for every read that found the kept ranking stale. It starts
   * after each of them did, so its answer is exact at a moment of each read.
   */
  readonly #computations = new SharedReads<Ranking>();

  constructor(db: Db, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async ping(): Promise<void> {
    await this.#db.selectFrom("keyword_searchers").select("keyword").limit(1).execute();
  }

  /** Nothing to do: the search service has already written the `keyword_searchers` row this ranking reads. */
  async add(): Promise<void> {}

  async top(windowMs: number, limit: number): Promise<KeywordCount[]> {
    const since = this.#now() - windowMs;
    const generation = await this.#readGeneration();
    const key = `${windowMs}:${limit}`;
    const kept = this.#rankings.get(key);
    if (kept?.generation === generation && kept.since <= since && since <= kept.oldest) return kept.items;
    const ranking = await this.#computations.read(key, async () => {
      const computed = await this.#compute(await this.#readGeneration(), this.#now() - windowMs, limit);
      this.#rankings.set(key, computed);
      return computed;
    });
    return ranking.items;
  }

  #readGeneration(): Promise<number> {
    return this.#generation.read("generation", async () => {
      const { generation } = await this.#db
        .selectFrom("keyword_generation")
        .select("generation")
        .executeTakeFirstOrThrow();
      return Number(generation);
    });
  }

  async #compute(generation: number, since: number, limit: number): Promise<Ranking> {
    const rows = await this.#db
      .selectFrom("keyword_searchers")
      .select([
        "keyword",
        (eb) => eb.fn.countAll<number | string>().as("count"),
        (eb) => eb.fn.min<number | string>("created_at").as("oldest"),
      ])
      .where("created_at", ">=", since)
      .groupBy("keyword")
      .orderBy("count", "desc")
      .orderBy("keyword")
      .limit(limit)
      .execute();
    return {
      generation,
      since,
      oldest: Math.min(Infinity, ...rows.map((row) => Number(row.oldest))),
      items: rows.map((row) => ({ keyword: row.keyword, count: Number(row.count) })),
    };
  }
}
