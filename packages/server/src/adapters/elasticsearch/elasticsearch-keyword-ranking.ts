import type { Client } from "@elastic/elasticsearch";
import type { KeywordCount, KeywordRanking } from "../../ports.ts";
import type { IndexDefinition } from "./elasticsearch-client.ts";
import { indexCreator, pingElasticsearch } from "./elasticsearch-client.ts";

export const keywordIndexDefinition: IndexDefinition = {
  mappings: {
    properties: {
      keyword: { type: "keyword" },
      at: { type: "date", format: "epoch_millis" },
    },
  },
};

/** One document per search; the ranking is a terms aggregation over a time range. */
export class ElasticsearchKeywordRanking implements KeywordRanking {
  readonly name = "keywords";
  readonly #client: Client;
  readonly #index: string;
  readonly #ensureIndex: () => Promise<void>;
  readonly #now: () => number;

  constructor(client: Client, index: string, now: () => number = Date.now) {
    this.#client = client;
    this.#index = index;
    this.#now = now;
    this.#ensureIndex = indexCreator(client, index, keywordIndexDefinition);
  }

  ping(): Promise<void> {
    return pingElasticsearch(this.#client);
  }

  async add(keyword: string, at: number): Promise<void> {
    await this.#ensureIndex();
    // `wait_for`: the next ranking read sees this search.
    await this.#client.index({ index: this.#index, document: { keyword, at }, refresh: "wait_for" });
  }

  async top(windowMs: number, limit: number): Promise<KeywordCount[]> {
    await this.#ensureIndex();
    const since = this.#now() - windowMs;
    const response = await this.#client.search({
      index: this.#index,
      size: 0,
      query: { range: { at: { gte: since } } },
      aggs: {
        keywords: {
          terms: { field: "keyword", size: limit, order: [{ _count: "desc" }, { _key: "asc" }] },
        },
      },
    });
    const buckets = (response.aggregations?.keywords as { buckets?: { key: string; doc_count: number }[] })
      ?.buckets;
    return (buckets ?? []).map((bucket) => ({ keyword: bucket.key, count: bucket.doc_count }));
  }
}
