import { measure } from "../load.ts";
import type { Scenario } from "../scenario.ts";
import { measureReads } from "./reads.ts";
import { distinctViewer, seed } from "./support.ts";

const WORDS = [
  "redis",
  "redis",
  "redis",
  "kysely",
  "kysely",
  "koa",
  "mariadb",
  "typescript",
  "lock",
  "cache",
];

/** Popular keywords: a SQL GROUP BY over the search log versus a Redis sorted set (ES terms where configured). */
export const keywords: Scenario = {
  name: "keywords",
  summary: "top 10 search keywords of the last day: SQL GROUP BY versus a Redis sorted set",
  async run({ params, services, startServer, log }) {
    const server = await startServer();
    const searches = params.quick ? 5_000 : 100_000;
    const seeded = await seed(server.url, { searches });
    log(`seeded ${seeded.searches} searches in ${seeded.ms} ms`);
    const reads = [
      {
        strategy: "sql-group-by",
        path: "/api/v1/rankings/keywords?window=24h",
        original: "MySQL (measured, not published)",
      },
      {
        strategy: "redis-zset",
        path: "/api/v1/lab/keywords/redis-zset",
        original: "Redis ZSET (measured, not published)",
      },
    ];
    const measured = await measureReads(
      server.url,
      reads,
      ["koa-redis", "koa-mariadb"],
      "koa-redis",
      params,
      services,
    );
    await server.stop();
    const notes = [
      "`sql-group-by` is production's GROUP BY over the last day's searcher rows (one per keyword, searcher and hour), kept between reads and computed again only when a searcher is added or a row of a ranked keyword leaves the window (here about every second: the seeded rows span the day); the sorted set has no time window, which is why production does not use it.",
    ];
    if (services.elasticsearchUrl) {
      // The terms aggregation counts what the search path logged into Elasticsearch: real searches fill it.
      const elastic = await startServer({ ELASTICSEARCH_URL: services.elasticsearchUrl, TRUST_PROXY: "1" });
      let next = 0;
      await measure({
        url: `${elastic.url}/api/v1/search/boards?q=redis`,
        requests: [
          {
            method: "GET",
            setupRequest: (request) => ({
              ...distinctViewer(request),
              path: `/api/v1/search/boards?q=${WORDS[next++ % WORDS.length]}`,
            }),
          },
        ],
        connections: 50,
        amount: params.quick ? 200 : 2_000,
        timeout: 60,
      });
      const terms = await measureReads(
        elastic.url,
        [
          {
            strategy: "es-terms",
            path: "/api/v1/rankings/keywords?window=24h",
            original: "Elasticsearch terms aggregation (chosen, not published)",
          },
        ],
        [],
        "koa-redis",
        params,
        services,
        measured.baselines,
      );
      await elastic.stop();
      measured.results.push(...terms.results);
      notes.push(
        "`es-terms` ranks searches made through the real search endpoint of a server with ELASTICSEARCH_URL.",
      );
    } else {
      notes.push(
        "The original chose Elasticsearch's terms aggregation; `es-terms` runs only where BENCH_ELASTICSEARCH_URL is set, and no Elasticsearch server answers on this machine, so the row is absent rather than estimated.",
      );
    }
    return {
      params: {
        searches,
        connections: params.connections,
        duration: params.duration,
        repeats: params.repeats,
        elasticsearch: Boolean(services.elasticsearchUrl),
      },
      ...measured,
      seed: { figure: searches, unit: "search log rows" },
      notes,
    };
  },
};
