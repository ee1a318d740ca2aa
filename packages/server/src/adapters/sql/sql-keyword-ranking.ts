import type { Db } from "../../db/database.ts";
import type { KeywordCount, KeywordRanking } from "../../ports.ts";
import { KeyedBatches } from "../../shared/batches.ts";

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
 * Each read asks for the generation, one statement for all the reads that queued meanwhile; concurrent reads
 * that find their ranking stale share one computation.
 */
export class SqlKeywordRanking implements KeywordRanking {
  readonly name = "keywords";
  readonly #db: Db;
  readonly #now: () => number;
  readonly #rankings = new Map<string, Ranking>();
  readonly #computing = new Map<string, Promise<Ranking>>();
  readonly #generation = new KeyedBatches<"generation", null, number>(async (_, reads) => {
    const { generation } = await this.#db
      .selectFrom("keyword_generation")
      .select("generation")
      .executeTakeFirstOrThrow();
    return reads.map(() => Number(generation));
  });

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
    const generation = await this.#generation.submit("generation", null);
    const exact = (ranking: Ranking | undefined): ranking is Ranking =>
      ranking !== undefined &&
      ranking.generation === generation &&
      ranking.since <= since &&
      since <= ranking.oldest;
    const key = `${windowMs}:${limit}`;
    const kept = this.#rankings.get(key);
    if (exact(kept)) return kept.items;
    const shared = await this.#computing.get(key);
    if (exact(shared)) return shared.items;
    const computing = this.#compute(generation, since, limit);
    this.#computing.set(key, computing);
    try {
      const ranking = await computing;
      this.#rankings.set(key, ranking);
      return ranking.items;
    } finally {
      if (this.#computing.get(key) === computing) this.#computing.delete(key);
    }
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
