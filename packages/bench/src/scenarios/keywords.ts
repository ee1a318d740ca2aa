import type { Scenario } from "../scenario.ts";
import { measureReads } from "./reads.ts";
import { seed } from "./support.ts";

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
    return {
      params: {
        searches,
        connections: params.connections,
        duration: params.duration,
        repeats: params.repeats,
      },
      ...measured,
      seed: { figure: searches, unit: "search log rows" },
      notes: [
        "The original chose Elasticsearch's terms aggregation; without an Elasticsearch server here that row runs only where BENCH_ELASTICSEARCH_URL is set.",
        "`sql-group-by` is production's query over the indexed (time, keyword) log; the sorted set has no time window, which is why production does not use it.",
      ],
    };
  },
};
