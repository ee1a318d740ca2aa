import type { Client } from "@elastic/elasticsearch";
import type { SearchDocument, SearchHit, SearchIndex, SearchQuery } from "../../ports.ts";
import { queryTerms, SNIPPET_WINDOW, snippet } from "../../shared/search-text.ts";
import type { IndexDefinition } from "./elasticsearch-client.ts";
import { indexCreator, pingElasticsearch } from "./elasticsearch-client.ts";

const ANALYZER = "korean_english";

/**
 * Korean without plugins: the standard tokenizer keeps Hangul runs whole, `cjk_bigram` turns them into bigrams
 * and keeps unigrams too, so a one-syllable word (`락`) and a word followed by a particle (`락을`) both match.
 */
export const boardIndexDefinition: IndexDefinition = {
  settings: {
    analysis: {
      filter: { cjk_bigram_unigrams: { type: "cjk_bigram", output_unigrams: true } },
      analyzer: {
        [ANALYZER]: {
          type: "custom",
          tokenizer: "standard",
          filter: ["cjk_width", "lowercase", "cjk_bigram_unigrams"],
        },
      },
    },
  },
  mappings: {
    properties: {
      title: { type: "text", analyzer: ANALYZER },
      contents: { type: "text", analyzer: ANALYZER },
      categories: { type: "text", analyzer: ANALYZER },
      categoryIds: { type: "integer" },
    },
  },
};

const SEARCHED_FIELDS = ["title^3", "categories^2", "contents"];
const SIMILAR_FIELDS = ["title", "contents", "categories"];

interface Source {
  title: string;
  contents: string;
}

export class ElasticsearchSearchIndex implements SearchIndex {
  readonly name = "elasticsearch";
  readonly #client: Client;
  readonly #index: string;
  readonly #ensureIndex: () => Promise<void>;

  constructor(client: Client, index: string) {
    this.#client = client;
    this.#index = index;
    this.#ensureIndex = indexCreator(client, index, boardIndexDefinition);
  }

  ping(): Promise<void> {
    return pingElasticsearch(this.#client);
  }

  /** A 409 means the index already holds this version or a newer one: nothing to do. */
  async index(document: SearchDocument): Promise<void> {
    await this.#ensureIndex();
    await this.#client.index(
      {
        index: this.#index,
        id: String(document.id),
        version: document.version,
        version_type: "external_gte",
        document: toSource(document),
        refresh: "wait_for",
      },
      { ignore: [409] },
    );
  }

  async indexMany(documents: SearchDocument[]): Promise<void> {
    if (documents.length === 0) return;
    await this.#ensureIndex();
    const response = await this.#client.bulk({
      refresh: "wait_for",
      operations: documents.flatMap((document) => [
        {
          index: {
            _index: this.#index,
            _id: String(document.id),
            version: document.version,
            version_type: "external_gte" as const,
          },
        },
        toSource(document),
      ]),
    });
    if (response.errors) {
      // 409: a newer version is already indexed.
      const failed = response.items.find((item) => item.index?.error && item.index.status !== 409)?.index;
      if (failed) throw new Error(`bulk indexing failed for board ${failed?._id}: ${failed?.error?.reason}`);
    }
  }

  async remove(id: number): Promise<void> {
    await this.#ensureIndex();
    await this.#client.delete({ index: this.#index, id: String(id), refresh: "wait_for" }, { ignore: [404] });
  }

  async clear(): Promise<void> {
    await this.#client.indices.delete({ index: this.#index, ignore_unavailable: true });
    await this.#client.indices.create({ index: this.#index, ...boardIndexDefinition });
  }

  async search({ text, categoryId, page, size }: SearchQuery) {
    await this.#ensureIndex();
    const response = await this.#client.search<Source>({
      index: this.#index,
      from: (page - 1) * size,
      size,
      track_total_hits: true,
      _source: ["title", "contents"],
      query: {
        bool: {
          must: {
            multi_match: { query: text, fields: SEARCHED_FIELDS, type: "cross_fields", operator: "and" },
          },
          filter: categoryId === undefined ? [] : [{ term: { categoryIds: categoryId } }],
        },
      },
      highlight: {
        pre_tags: ["<mark>"],
        post_tags: ["</mark>"],
        encoder: "html",
        fields: { contents: { fragment_size: SNIPPET_WINDOW, number_of_fragments: 1 } },
      },
    });
    const total = response.hits.total;
    const terms = queryTerms(text);
    return {
      hits: response.hits.hits.map((hit) => toHit(hit, terms)),
      total: typeof total === "number" ? total : (total?.value ?? 0),
    };
  }

  async similar(id: number, limit: number): Promise<SearchHit[]> {
    await this.#ensureIndex();
    const response = await this.#client.search<Source>({
      index: this.#index,
      size: limit,
      _source: ["title", "contents"],
      query: {
        more_like_this: {
          fields: SIMILAR_FIELDS,
          like: [{ _index: this.#index, _id: String(id) }],
          min_term_freq: 1,
          min_doc_freq: 1,
          max_query_terms: 25,
        },
      },
    });
    return response.hits.hits.map((hit) => toHit(hit, []));
  }
}

function toSource(document: SearchDocument) {
  return {
    title: document.title,
    contents: document.contents,
    categories: document.categories.map((c) => c.name),
    categoryIds: document.categories.map((c) => c.id),
  };
}

interface Hit {
  _id?: string;
  _score?: number | null;
  _source?: Source;
  highlight?: Record<string, string[]>;
}

function toHit(hit: Hit, terms: string[]): SearchHit {
  const source = hit._source ?? { title: "", contents: "" };
  return {
    id: Number(hit._id),
    title: source.title,
    snippet: hit.highlight?.contents?.[0] ?? snippet(source.contents, terms),
    score: hit._score ?? 0,
  };
}
