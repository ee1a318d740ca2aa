import { httpBaseline } from "../baselines.ts";
import { measure } from "../load.ts";
import type { StrategyResult } from "../results.ts";
import { repeated, row, type Scenario } from "../scenario.ts";
import { distinctViewer, json, seed } from "./support.ts";

/** Counting views: read-modify-write, production's atomic increment, and Redis write-behind. */
export const views: Scenario = {
  name: "views",
  summary:
    "concurrent reads of one board, each counting a view: read-modify-write, atomic (production), Redis INCR + flush",
  async run({ params, services, startServer }) {
    const server = await startServer({ TRUST_PROXY: "1" });
    const { firstBoard: boardId } = await seed(server.url, { users: 1, boards: 1 });
    const { firstBoard: warmUpBoard } = await seed(server.url, { users: 1, boards: 1 });
    const baselines: Record<string, { rps: number; p50: number; p99: number }> = {};
    const results: StrategyResult[] = [];
    for (const connections of params.connections) {
      baselines[`koa-mariadb c=${connections}`] = await httpBaseline("koa-mariadb", services, {
        connections,
        duration: params.duration,
        warmup: 0,
      });
      for (const strategy of ["read-modify-write", "atomic", "redis-incr-flush"]) {
        const production = strategy === "atomic";
        const load = (board: number) =>
          measure({
            url: production
              ? `${server.url}/api/v1/boards/${board}`
              : `${server.url}/api/v1/lab/views/${strategy}/${board}`,
            method: production ? "GET" : "POST",
            requests: [{ method: production ? "GET" : "POST", setupRequest: distinctViewer }],
            connections,
            amount: params.requests,
          });
        // The same load once, unmeasured, on another board: the code is as warm as the reads' after warm-up.
        await load(warmUpBoard);
        const figure = await repeated(params.repeats, async () => {
          await json(server.url, "POST", `/api/v1/lab/views/reset/${boardId}`);
          const measured = await load(boardId);
          if (strategy === "redis-incr-flush") await json(server.url, "POST", "/api/v1/lab/views/flush");
          const { count } = await json<{ count: number }>(server.url, "GET", `/api/v1/lab/views/${boardId}`);
          return { ...measured, final: count };
        });
        results.push(
          row(
            {
              strategy,
              label: `${params.requests} at c=${connections}`,
              meantCorrect: strategy !== "read-modify-write",
              correct: figure.final === params.requests,
              expected: params.requests,
              final: figure.final,
              lost: params.requests - figure.final,
              rps: figure.rps,
              rpsRuns: figure.rpsRuns,
              p50: figure.p50,
              p99: figure.p99,
              durationMs: figure.durationMs,
              baseline: `koa-mariadb c=${connections}`,
              original: strategy === "atomic" ? "not tried (the original counted views in Redis)" : null,
            },
            baselines,
          ),
        );
      }
    }
    return {
      params: { requests: params.requests, connections: params.connections, repeats: params.repeats },
      baselines,
      results,
      seed: null,
      notes: [
        "`read-modify-write` loses views whenever two reads interleave; the loss is reported, not hidden.",
        "`atomic` is the production `GET /boards/{id}`: the board read, an atomic increment, the hourly bucket and the per-viewer dedup row, exact for distinct viewers; views of one board that queue while one commits share the next transaction.",
        "Each strategy's load runs once unmeasured first, on another board, so its code is warm.",
        "`redis-incr-flush` answers fastest but holds up to a second of views in Redis only: a Redis loss in that second loses them.",
      ],
    };
  },
};
