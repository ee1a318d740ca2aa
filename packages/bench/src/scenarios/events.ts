import type autocannon from "autocannon";
import { httpBaseline } from "../baselines.ts";
import { measure } from "../load.ts";
import { repeated, row, type Scenario } from "../scenario.ts";
import { adminSession, json, seed } from "./support.ts";

const POINTS = 10;

interface Outcome {
  capacity: number;
  taken: number;
  participants: number;
  ledgerRows: number;
  points: number;
}

/**
 * The first-come race: N distinct users (seeded, each with a sign-in of its own) join one event of capacity N/10
 * at once through the real `POST /events/{id}/join`. Exactly `capacity` seats, participant rows and ledger rows
 * must come out of it; the other N − capacity answers are 409 EVENT_FULL, counted apart.
 */
export const events: Scenario = {
  name: "events",
  summary: "first-come event: N distinct users race for N/10 seats through POST /events/{id}/join",
  async run({ params, services, startServer, log }) {
    const racers = params.requests;
    const capacity = Math.max(1, Math.floor(racers / 10));
    const connections = Math.min(racers, 1000);
    const server = await startServer(adminSession.env);
    const { firstUser } = await seed(server.url, { users: racers, index: false });
    const { tokens } = await json<{ tokens: string[] }>(server.url, "POST", "/api/v1/lab/tokens", {
      firstUser,
      count: racers,
    });
    log(`seeded ${racers} users with a sign-in each`);
    const admin = await adminSession.login(server.url);
    const baselines = {
      [`koa-mariadb c=${connections}`]: await httpBaseline("koa-mariadb", services, {
        connections,
        duration: params.duration,
        warmup: 0,
      }),
    };
    const figure = await repeated(params.repeats, async () => {
      const event = await json<{ id: number }>(
        server.url,
        "POST",
        "/api/v1/events",
        { title: "bench race", capacity, points: POINTS },
        admin,
      );
      let next = 0;
      const asNextUser = (request: autocannon.Request): autocannon.Request => ({
        ...request,
        headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % racers]}` },
      });
      const load = await measure({
        url: `${server.url}/api/v1/events/${event.id}/join`,
        method: "POST",
        requests: [{ method: "POST", setupRequest: asNextUser }],
        connections,
        amount: racers,
        expected: [409],
        timeout: 300,
      });
      const outcome = await json<Outcome>(server.url, "GET", `/api/v1/lab/events/${event.id}`);
      log(
        `event ${event.id}: ${load.statuses[201] ?? 0} joined, ${load.statuses[409] ?? 0} refused in ${load.durationMs} ms; ${outcome.taken} seats, ${outcome.ledgerRows} ledger rows`,
      );
      return { ...load, outcome };
    });
    const { outcome, statuses } = figure;
    const joined = statuses[201] ?? 0;
    const refused = statuses[409] ?? 0;
    const correct =
      outcome.taken === capacity &&
      outcome.participants === capacity &&
      outcome.ledgerRows === capacity &&
      outcome.points === capacity * POINTS &&
      joined === capacity &&
      refused === racers - capacity;
    return {
      params: {
        racers,
        capacity,
        points: POINTS,
        connections,
        repeats: params.repeats,
        seededUsers: racers,
      },
      baselines,
      results: [
        row(
          {
            strategy: "production",
            label: `${racers.toLocaleString("en-US")} racers, ${capacity} seats`,
            correct,
            expected: capacity,
            final: outcome.ledgerRows,
            lost: capacity - outcome.ledgerRows,
            retries: 0,
            refused,
            rps: figure.rps,
            rpsRuns: figure.rpsRuns,
            p50: figure.p50,
            p99: figure.p99,
            durationMs: figure.durationMs,
            errors: figure.errors,
            non2xx: figure.non2xx,
            baseline: `koa-mariadb c=${connections}`,
            original: "1,000 concurrent requests; correct under a Redisson lock (timed in points: 5,235 ms)",
          },
          baselines,
        ),
      ],
      seed: { figure: racers, unit: "users, each with a sign-in" },
      notes: [
        "A join is one transaction — the (event, user) row, the ledger entry and last the conditional `taken < capacity` update — so the event's row is locked only from that update to the commit, and a refused seat rolls the rest back.",
        "Each request carries a different user's token, so a 409 can only be EVENT_FULL; the seats, participant rows, ledger rows and their points are counted from the tables after the race.",
        "Users are seeded and given sign-ins through the lab (`POST /lab/tokens`): 1,000 argon2 sign-ups would measure password hashing, not the race.",
      ],
    };
  },
};
