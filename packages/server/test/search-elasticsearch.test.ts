import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type { ClientOptions } from "@elastic/elasticsearch";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { connectElasticsearch, indexName } from "../src/adapters/elasticsearch/elasticsearch-client.ts";
import { ElasticsearchKeywordRanking } from "../src/adapters/elasticsearch/elasticsearch-keyword-ranking.ts";
import { ElasticsearchSearchIndex } from "../src/adapters/elasticsearch/elasticsearch-search-index.ts";
import { documents, keywordRankingContract, searchIndexContract } from "./support/search-contract.ts";

// The mock is CommonJS and checks `instanceof ResponseError` against the client's CommonJS build, not the ESM one;
// its typings also declare a default export that CommonJS does not have.
const require = createRequire(import.meta.url);
const { errors } = require("@elastic/elasticsearch") as typeof import("@elastic/elasticsearch");
const Mock = require("@elastic/elasticsearch-mock") as typeof import("@elastic/elasticsearch-mock").default;

interface Recorded {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: unknown;
}

/** A client whose transport is the official mock: every request is recorded and answered by `respond`. */
function mockedClient() {
  const mock = new Mock();
  const requests: Recorded[] = [];
  const client = connectElasticsearch("http://elasticsearch.invalid:9200", {
    // The same class, typed from the client's CommonJS declarations.
    Connection: mock.getConnection() as unknown as ClientOptions["Connection"],
  });
  const on = (method: string, path: string, respond: () => unknown = () => ({})) => {
    mock.add({ method, path }, (params: unknown) => {
      requests.push(params as Recorded);
      return respond() as Record<string, unknown>;
    });
  };
  const missing = () =>
    new errors.ResponseError({ body: {}, statusCode: 404, warnings: null, meta: {} as never });
  return { client, requests, on, missing };
}

describe("Elasticsearch adapters: request shapes (mock transport)", () => {
  const index = "test-boards";
  let mocked: ReturnType<typeof mockedClient>;
  beforeEach(() => {
    mocked = mockedClient();
  });

  it("names indices from the key prefix in the characters Elasticsearch allows", () => {
    expect(indexName("test:Abc01", "boards")).toBe("test-abc01-boards");
    expect(indexName("_x", "search-keywords")).toBe("x-search-keywords");
  });

  it("creates the index with a plugin-free Korean analyzer before the first write, then indexes", async () => {
    mocked.on("HEAD", `/${index}`, mocked.missing);
    mocked.on("PUT", `/${index}`, () => ({ acknowledged: true }));
    mocked.on("PUT", `/${index}/_doc/:id`, () => ({ result: "created" }));
    const search = new ElasticsearchSearchIndex(mocked.client, index);
    await search.index(documents.review);
    await search.index(documents.lockFree);

    const [exists, create, first, second] = mocked.requests;
    expect(exists?.method).toBe("HEAD");
    expect(create?.body).toEqual({
      settings: {
        analysis: {
          filter: { cjk_bigram_unigrams: { type: "cjk_bigram", output_unigrams: true } },
          analyzer: {
            korean_english: {
              type: "custom",
              tokenizer: "standard",
              filter: ["cjk_width", "lowercase", "cjk_bigram_unigrams"],
            },
          },
        },
      },
      mappings: {
        properties: {
          title: { type: "text", analyzer: "korean_english" },
          contents: { type: "text", analyzer: "korean_english" },
          categories: { type: "text", analyzer: "korean_english" },
          categoryIds: { type: "integer" },
        },
      },
    });
    expect(first).toMatchObject({
      method: "PUT",
      path: `/${index}/_doc/101`,
      querystring: { refresh: "wait_for", version: "1", version_type: "external_gte" },
      body: {
        title: documents.review.title,
        contents: documents.review.contents,
        categories: ["Java"],
        categoryIds: [1],
      },
    });
    expect(second?.path).toBe(`/${index}/_doc/104`);
    expect(mocked.requests).toHaveLength(4);
  });

  it("indexes a batch in one bulk request and reports a failed item", async () => {
    mocked.on("HEAD", `/${index}`);
    mocked.on("POST", "/_bulk", () => ({ errors: false, took: 1, items: [] }));
    const search = new ElasticsearchSearchIndex(mocked.client, index);
    await search.indexMany([documents.review, documents.pessimistic]);
    expect(mocked.requests.at(-1)).toMatchObject({
      method: "POST",
      path: "/_bulk",
      querystring: { refresh: "wait_for" },
      body: [
        { index: { _index: index, _id: "101", version: 1, version_type: "external_gte" } },
        {
          title: documents.review.title,
          contents: documents.review.contents,
          categories: ["Java"],
          categoryIds: [1],
        },
        { index: { _index: index, _id: "102", version: 1, version_type: "external_gte" } },
        {
          title: documents.pessimistic.title,
          contents: documents.pessimistic.contents,
          categories: ["Spring", "Java"],
          categoryIds: [2, 1],
        },
      ],
    });

    const failing = mockedClient();
    failing.on("HEAD", `/${index}`);
    failing.on("POST", "/_bulk", () => ({
      errors: true,
      took: 1,
      items: [
        {
          index: {
            _index: index,
            _id: "101",
            status: 400,
            error: { type: "mapper_parsing_exception", reason: "bad" },
          },
        },
      ],
    }));
    await expect(
      new ElasticsearchSearchIndex(failing.client, index).indexMany([documents.review]),
    ).rejects.toThrow("bulk indexing failed for board 101: bad");
    expect(await search.indexMany([])).toBeUndefined();
  });

  it("searches all fields with every term required, filters by category, pages and highlights", async () => {
    mocked.on("HEAD", `/${index}`);
    mocked.on("POST", `/${index}/_search`, () => ({
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: {
        total: { value: 23, relation: "eq" },
        max_score: 4.2,
        hits: [
          {
            _index: index,
            _id: "105",
            _score: 4.2,
            _source: { title: "비관적 락과 낙관적 락 비교", contents: "…" },
            highlight: { contents: ["충돌이 잦으면 <mark>비관적</mark> <mark>락</mark>"] },
          },
          {
            _index: index,
            _id: "101",
            _score: 1.5,
            _source: { title: "코드 리뷰 요청합니다", contents: "비관적 락과 낙관적 락" },
          },
        ],
      },
    }));
    const search = new ElasticsearchSearchIndex(mocked.client, index);
    const result = await search.search({ text: "비관적 락", categoryId: 1, page: 3, size: 10 });

    expect(mocked.requests.at(-1)?.body).toEqual({
      from: 20,
      size: 10,
      track_total_hits: true,
      _source: ["title", "contents"],
      query: {
        bool: {
          must: {
            multi_match: {
              query: "비관적 락",
              fields: ["title^3", "categories^2", "contents"],
              type: "cross_fields",
              operator: "and",
            },
          },
          filter: [{ term: { categoryIds: 1 } }],
        },
      },
      highlight: {
        pre_tags: ["<mark>"],
        post_tags: ["</mark>"],
        encoder: "html",
        fields: { contents: { fragment_size: 120, number_of_fragments: 1 } },
      },
    });
    expect(result).toEqual({
      total: 23,
      hits: [
        {
          id: 105,
          title: "비관적 락과 낙관적 락 비교",
          snippet: "충돌이 잦으면 <mark>비관적</mark> <mark>락</mark>",
          score: 4.2,
        },
        {
          id: 101,
          title: "코드 리뷰 요청합니다",
          snippet: "<mark>비관적</mark> <mark>락</mark>과 낙관적 <mark>락</mark>",
          score: 1.5,
        },
      ],
    });
  });

  it("omits the category filter when none is asked for", async () => {
    mocked.on("HEAD", `/${index}`);
    mocked.on("POST", `/${index}/_search`, () => ({
      hits: { total: { value: 0, relation: "eq" }, hits: [] },
    }));
    await new ElasticsearchSearchIndex(mocked.client, index).search({ text: "lock", page: 1, size: 20 });
    expect(mocked.requests.at(-1)?.body).toMatchObject({
      from: 0,
      size: 20,
      query: { bool: { filter: [] } },
    });
  });

  it("asks more_like_this about the stored document for similar boards", async () => {
    mocked.on("HEAD", `/${index}`);
    mocked.on("POST", `/${index}/_search`, () => ({
      hits: {
        total: { value: 1, relation: "eq" },
        hits: [
          { _index: index, _id: "101", _score: 2, _source: { title: "코드 리뷰", contents: "비관적 락" } },
        ],
      },
    }));
    const similar = await new ElasticsearchSearchIndex(mocked.client, index).similar(105, 5);
    expect(mocked.requests.at(-1)?.body).toEqual({
      size: 5,
      _source: ["title", "contents"],
      query: {
        more_like_this: {
          fields: ["title", "contents", "categories"],
          like: [{ _index: index, _id: "105" }],
          min_term_freq: 1,
          min_doc_freq: 1,
          max_query_terms: 25,
        },
      },
    });
    expect(similar).toEqual([{ id: 101, title: "코드 리뷰", snippet: "비관적 락", score: 2 }]);
  });

  it("removes a document, an absent one without error", async () => {
    mocked.on("HEAD", `/${index}`);
    mocked.on("DELETE", `/${index}/_doc/:id`, mocked.missing);
    await new ElasticsearchSearchIndex(mocked.client, index).remove(7);
    expect(mocked.requests.at(-1)).toMatchObject({ method: "DELETE", path: `/${index}/_doc/7` });
  });

  it("logs keywords as documents and ranks them with a terms aggregation over the window", async () => {
    const keywords = "test-search-keywords";
    mocked.on("HEAD", `/${keywords}`);
    mocked.on("POST", `/${keywords}/_doc`, () => ({ result: "created" }));
    mocked.on("POST", `/${keywords}/_search`, () => ({
      hits: { total: { value: 5, relation: "eq" }, hits: [] },
      aggregations: {
        keywords: {
          buckets: [
            { key: "락", doc_count: 3 },
            { key: "리뷰", doc_count: 2 },
          ],
        },
      },
    }));
    const ranking = new ElasticsearchKeywordRanking(mocked.client, keywords, () => 1_700_000_000_000);
    await ranking.add("비관적 락", 1_700_000_000_000);
    expect(mocked.requests.at(-1)).toMatchObject({
      method: "POST",
      querystring: { refresh: "wait_for" },
      body: { keyword: "비관적 락", at: 1_700_000_000_000 },
    });
    const top = await ranking.top(1_000_000, 10);
    expect(mocked.requests.at(-1)?.body).toEqual({
      size: 0,
      query: { range: { at: { gte: 1_699_999_000_000 } } },
      aggs: {
        keywords: { terms: { field: "keyword", size: 10, order: [{ _count: "desc" }, { _key: "asc" }] } },
      },
    });
    expect(top).toEqual([
      { keyword: "락", count: 3 },
      { keyword: "리뷰", count: 2 },
    ]);
  });
});

const elasticsearchUrl = process.env.TEST_ELASTICSEARCH_URL;
if (!elasticsearchUrl) {
  console.warn(
    "\n!!! Elasticsearch contract suites are SKIPPED: TEST_ELASTICSEARCH_URL is not set. " +
      "Only the mock-transport request-shape tests ran; point it at an Elasticsearch 9 to run them.\n",
  );
}
const describeWithElasticsearch = elasticsearchUrl ? describe : describe.skip;

describeWithElasticsearch("Elasticsearch adapters [real Elasticsearch]", () => {
  // Made on first use: describe.skip still runs this body.
  let connected: ReturnType<typeof connectElasticsearch> | undefined;
  const client = () => {
    connected ??= connectElasticsearch(elasticsearchUrl ?? "");
    return connected;
  };
  const prefix = `test-${randomBytes(4).toString("hex")}`;
  afterAll(async () => {
    await connected?.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true });
    await connected?.close();
  });

  describe("ElasticsearchSearchIndex", () =>
    searchIndexContract(async () => new ElasticsearchSearchIndex(client(), indexName(prefix, "boards"))));
  describe("ElasticsearchKeywordRanking", () =>
    keywordRankingContract(async () => {
      const ranking = new ElasticsearchKeywordRanking(client(), indexName(prefix, "search-keywords"));
      return { ranking, log: (keyword, at) => ranking.add(keyword, at) };
    }));
});
