import type { Scenario } from "../scenario.ts";
import { measureReads } from "./reads.ts";
import { json, seed } from "./support.ts";

/** Search on 100,000 boards: a LIKE scan, the original's prefix index, MariaDB FULLTEXT, and ours (bigrams). */
export const search: Scenario = {
  name: "search",
  summary:
    "board search on 100,000 boards, a common and a rare term: LIKE scan, prefix index, FULLTEXT, bigram (production)",
  async run({ params, services, startServer, log }) {
    const server = await startServer();
    const boards = params.quick ? 2_000 : 100_000;
    const seeded = await seed(server.url, { users: 100, boards });
    await json(server.url, "POST", "/api/v1/lab/search/prepare");
    log(`seeded and indexed ${boards} boards in ${seeded.ms} ms`);
    const terms = [
      ["redis", "common (~20 %)"],
      ["rare", "rare (0.1 %)"],
    ] as const;
    const reads = terms.flatMap(([term, label]) => [
      {
        strategy: "like-scan",
        label,
        path: `/api/v1/lab/search/like-scan?q=${term}`,
        original: "54 ms average, 18.4 req/s (full scan)",
      },
      {
        strategy: "prefix-index",
        label,
        path: `/api/v1/lab/search/prefix-index?q=${term}`,
        original: "38 ms average, 25.9 req/s",
      },
      { strategy: "fulltext", label, path: `/api/v1/lab/search/fulltext?q=${term}` },
      { strategy: "bigram", label, path: `/api/v1/search/boards?q=${term}` },
    ]);
    const measured = await measureReads(server.url, reads, ["koa-mariadb"], "koa-mariadb", params, services);
    return {
      params: { boards, connections: params.connections, duration: params.duration, repeats: params.repeats },
      ...measured,
      seed: { figure: seeded.ms, unit: "ms to seed and index" },
      notes: [
        "`prefix-index` answers a different question — titles that start with the term — which is why an index helps it; it finds none of the boards that mention the term later.",
        "`bigram` is production: relevance-ranked over title, contents and categories, with snippets and a search-log write per request.",
        "`fts5` is the SQLite variant and runs only with an embedded server; `elasticsearch` only where an Elasticsearch server is configured.",
      ],
    };
  },
};
