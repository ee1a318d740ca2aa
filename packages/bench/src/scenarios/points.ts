import { randomUUID } from "node:crypto";
import { atomicUpdateBaseline } from "../baselines.ts";
import { measure } from "../load.ts";
import { repeated, row, type Scenario } from "../scenario.ts";
import { adminSession, json, seed } from "./support.ts";

const ORIGINAL: Record<string, string> = {
  none: "wrong total, 2,834 ms",
  optimistic: "correct, 11,239 retries, 11,026 ms",
  pessimistic: "correct, 8,182 ms",
  "redis-lua": "correct, 3,592 ms",
  "redis-lock": "correct (Redisson), 5,235 ms",
};
const STRATEGIES = ["none", "optimistic", "pessimistic", "redis-lua", "redis-lock", "atomic"] as const;
const DELTA = 10;

/** The original's lock experiment: N concurrent grants of 10 points to one user, by each strategy. */
export const points: Scenario = {
  name: "points",
  summary:
    "concurrent point grants to one user: no lock, optimistic, pessimistic, Redis Lua, Redis lock, atomic, production",
  async run({ params, services, startServer, log }) {
    const grants = params.requests;
    const server = await startServer(adminSession.env);
    const { firstUser: userId } = await seed(server.url, { users: 1 });
    const baselines = { "raw atomic UPDATE": await atomicUpdateBaseline(services, grants, 20) };
    const results = [];

    for (const strategy of STRATEGIES) {
      const figure = await repeated(params.repeats, async () => {
        await json(server.url, "POST", `/api/v1/lab/points/${strategy}/reset`, { userId });
        const load = await measure({
          url: `${server.url}/api/v1/lab/points/${strategy}`,
          method: "POST",
          body: JSON.stringify({ userId, delta: DELTA }),
          connections: Math.min(grants, 1000),
          amount: grants,
          timeout: 300,
        });
        const outcome = await json<{ final: number; retries: number }>(
          server.url,
          "GET",
          `/api/v1/lab/points/${strategy}/${userId}`,
        );
        return { ...load, ...outcome };
      });
      const expected = grants * DELTA;
      log(`${strategy}: ${figure.final}/${expected} in ${figure.durationMs} ms, ${figure.retries} retries`);
      results.push(
        row(
          {
            strategy,
            label: `${grants.toLocaleString("en-US")} concurrent`,
            meantCorrect: strategy !== "none",
            correct: figure.final === expected,
            expected,
            final: figure.final,
            lost: (expected - figure.final) / DELTA,
            retries: figure.retries,
            durationMs: figure.durationMs,
            rps: figure.rps,
            rpsRuns: figure.rpsRuns,
            p50: figure.p50,
            p99: figure.p99,
            baseline: "raw atomic UPDATE",
            original: ORIGINAL[strategy] ?? "not tried",
          },
          baselines,
        ),
      );
    }

    // What production does: the admin grant endpoint, with its ledger row, idempotency key and outbox.
    const admin = await adminSession.login(server.url);
    const [target, warmUpTarget] = [
      await seed(server.url, { users: 1 }),
      await seed(server.url, { users: 1 }),
    ];
    const grantLoad = (userId: number, count: number, connections: number) =>
      measure({
        url: `${server.url}/api/v1/admin/users/${userId}/points`,
        method: "POST",
        headers: { authorization: `Bearer ${admin}` },
        requests: [
          {
            method: "POST",
            body: JSON.stringify({ delta: DELTA, reason: "bench" }),
            setupRequest: (request) => ({
              ...request,
              headers: { ...request.headers, "idempotency-key": randomUUID() },
            }),
          },
        ],
        connections,
        amount: count,
        timeout: 300,
      });
    for (const [count, connections] of params.quick
      ? [[grants, grants]]
      : [
          [grants, Math.min(grants, 1000)],
          [grants * 10, 100],
        ]) {
      // The same load once, unmeasured, to another user: the grant path is warm (JIT, pools) as the reads' is.
      await grantLoad(warmUpTarget.firstUser, count as number, connections as number);
      const before = (
        await json<{ balance: number }>(server.url, "GET", `/api/v1/users/${target.firstUser}/points`)
      ).balance;
      const load = await grantLoad(target.firstUser, count as number, connections as number);
      const after = (
        await json<{ balance: number }>(server.url, "GET", `/api/v1/users/${target.firstUser}/points`)
      ).balance;
      const expected = (count as number) * DELTA;
      results.push(
        row(
          {
            strategy: "production",
            label: `${(count as number).toLocaleString("en-US")} at c=${connections}`,
            correct: after - before === expected,
            expected,
            final: after - before,
            lost: (expected - (after - before)) / DELTA,
            retries: 0,
            durationMs: load.durationMs,
            rps: load.rps,
            p50: load.p50,
            p99: load.p99,
            baseline: "raw atomic UPDATE",
            original: null,
          },
          baselines,
        ),
      );
    }
    return {
      params: { grants, delta: DELTA, repeats: params.repeats, rawUpdateConnections: 20 },
      baselines,
      results,
      seed: null,
      notes: [
        "`none` reads the balance and writes the sum in two statements, so concurrent grants overwrite each other: the lost grants are counted, not hidden.",
        "`optimistic` retries every write that lost its version race; under one hot row most attempts lose, which is what made the original's run take 11 s.",
        "`pessimistic` and `redis-lock` serialise the whole read-and-write; `redis-lua` and `atomic` make the increment one indivisible step, in Redis or in MariaDB.",
        "`production` is the real admin grant through auth, validation and the idempotency key: grants to one user that queue while one commits share the next transaction (the locked balance, one update, one multi-row ledger insert). Each production load runs once unmeasured first, to another user, so its code is as warm as the reads'.",
      ],
    };
  },
};
