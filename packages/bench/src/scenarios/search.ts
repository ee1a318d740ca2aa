import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Scenario } from "../scenario.ts";
import { measureReads, type Read } from "./reads.ts";
import { json, seed } from "./support.ts";

const TERMS = [
  ["redis", "common (~20 %)"],
  ["rare", "rare (0.1 %)"],
] as const;

const production = (strategy: string): Read[] =>
  TERMS.map(([term, label]) => ({ strategy, label, path: `/api/v1/search/boards?q=${term}` }));

/**
 * The first search of each term: its ranking is computed then (every later one shares it until the index
 * changes), so this is what a search costs right after an index change.
 */
async function firstSearches(base: string, strategy: string): Promise<string> {
  const times = [];
  for (const read of production(strategy)) {
    const started = performance.now();
    await json(base, "GET", read.path);
    times.push(`${read.label} ${Math.round(performance.now() - started)} ms`);
  }
  return `\`${strategy}\`: the first search of each term, which computes its ranking over every match: ${times.join(", ")}.`;
}

/**
 * Search on 100,000 boards: a LIKE scan, the original's prefix index, MariaDB FULLTEXT and ours (bigrams) on
 * MariaDB; FTS5 on an embedded (SQLite) server seeded alike; Elasticsearch where one is configured.
 */
export const search: Scenario = {
  name: "search",
  summary:
    "board search on 100,000 boards, a common and a rare term: LIKE scan, prefix index, FULLTEXT, bigram (production), FTS5, Elasticsearch",
  async run({ params, services, startServer, log }) {
    const boards = params.quick ? 2_000 : 100_000;
    const mariadb = await startServer();
    const seeded = await seed(mariadb.url, { users: 100, boards });
    await json(mariadb.url, "POST", "/api/v1/lab/search/prepare");
    log(`MariaDB: seeded and indexed ${boards} boards in ${seeded.ms} ms`);
    const firsts = [await firstSearches(mariadb.url, "bigram")];
    const reads = TERMS.flatMap(([term, label]) => [
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
    const measured = await measureReads(mariadb.url, reads, ["koa-mariadb"], "koa-mariadb", params, services);
    await mariadb.stop();

    // FTS5 lives in SQLite only: the embedded default (an empty value is unset), seeded with the same boards.
    const dataDir = mkdtempSync(join(tmpdir(), "codechef-bench-embedded-"));
    const embedded = await startServer({ DATABASE_URL: "", REDIS_URL: "", DATA_DIR: dataDir });
    const seededSqlite = await seed(embedded.url, { users: 100, boards });
    log(`SQLite: seeded and indexed ${boards} boards in ${seededSqlite.ms} ms`);
    firsts.push(await firstSearches(embedded.url, "fts5"));
    const fts5 = await measureReads(
      embedded.url,
      production("fts5"),
      [],
      "koa-mariadb",
      params,
      services,
      measured.baselines,
    );
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
    measured.results.push(...fts5.results);

    const notes = [
      "`prefix-index` answers a different question — titles that start with the term — which is why an index helps it; it finds none of the boards that mention the term later.",
      "`bigram` is production on MariaDB: every match ranked by weighted occurrences over title, contents and categories and counted exactly, the ranking computed once per index generation and shared by the searches after it; snippets, a live-title check and a search-log write per request.",
      ...firsts,
      "`fts5` is production on the embedded server (SQLite FTS5, trigram tokenizer), seeded with the same boards; its ratio is to the same MariaDB baseline.",
    ];
    if (services.elasticsearchUrl) {
      const elastic = await startServer({ ELASTICSEARCH_URL: services.elasticsearchUrl });
      await json(elastic.url, "POST", "/api/v1/lab/search/reindex");
      const figures = await measureReads(
        elastic.url,
        production("elasticsearch"),
        [],
        "koa-mariadb",
        params,
        services,
        measured.baselines,
      );
      await elastic.stop();
      measured.results.push(...figures.results);
    } else {
      notes.push(
        "`elasticsearch` runs only where BENCH_ELASTICSEARCH_URL is set; no Elasticsearch server answers on this machine, so the row is absent rather than estimated.",
      );
    }
    return {
      params: {
        boards,
        connections: params.connections,
        duration: params.duration,
        repeats: params.repeats,
        elasticsearch: Boolean(services.elasticsearchUrl),
      },
      ...measured,
      seed: { figure: seeded.ms + seededSqlite.ms, unit: "ms to seed and index (MariaDB, then SQLite)" },
      notes,
    };
  },
};
