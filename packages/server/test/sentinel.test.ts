import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RankingsRepository } from "../src/modules/rankings/repository.ts";
import { signedInUser } from "./support/factories.ts";
import { type SentinelGroup, startSentinelGroup } from "./support/sentinel-group.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const HOUR_MS = 3_600_000;

/**
 * Redis under Sentinel, as the original ran it: a private group (one master, one replica, three sentinels) from
 * the machine's `redis-server`. Traffic goes on through a `SENTINEL FAILOVER` and through a `kill -9` of the
 * master: every answer is a success or a fast 503, and the popular-boards ranking equals SQL afterwards.
 */
describe("Redis Sentinel", () => {
  let group: SentinelGroup;
  let server: TestServer;
  let boards: number[];
  let credentials: { email: string; password: string };

  beforeAll(async () => {
    group = await startSentinelGroup();
    server = await startTestServer("embedded", {
      REDIS_SENTINELS: group.env,
      REDIS_MASTER_NAME: group.masterName,
    });
    const { client: author, signup } = await signedInUser(server);
    credentials = { email: signup.email, password: signup.password };
    boards = [];
    for (const title of ["one", "two", "three"]) {
      boards.push((await author.boards.create({ title, contents: `${title} contents` })).id);
    }
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await group?.stop();
  });

  /** Views, ranking reads and logins (the throttle lives in Redis) in a loop until `stop()`, keeping every status. */
  function traffic() {
    const statuses: number[] = [];
    let running = true;
    const loop = (async () => {
      for (let i = 0; running; i++) {
        const board = boards[i % boards.length];
        const view = await fetch(`${server.url}/api/v1/boards/${board}`);
        const ranking = await fetch(`${server.url}/api/v1/rankings/boards?window=1h&limit=10`);
        const login = await fetch(`${server.url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(credentials),
        });
        statuses.push(view.status, ranking.status, login.status);
        await Promise.all([view.body?.cancel(), ranking.body?.cancel(), login.body?.cancel()]);
      }
    })();
    return {
      statuses,
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  async function answersAgain(): Promise<void> {
    for (let attempt = 0; attempt < 300; attempt++) {
      const response = await fetch(`${server.url}/ready`);
      if (response.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error("the server did not become ready again after the failover");
  }

  async function rankingEqualsSql(): Promise<void> {
    const repository = new RankingsRepository(server.container.database.db);
    const hourStart = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    let last: unknown;
    for (let attempt = 0; attempt < 50; attempt++) {
      const sql = await repository.popularBoardsSince(hourStart - HOUR_MS, 10);
      const response = await fetch(`${server.url}/api/v1/rankings/boards?window=1h&limit=10`);
      last = {
        sql,
        served: response.status === 200 ? ((await response.json()) as { items: unknown }).items : null,
      };
      if (JSON.stringify((last as { served: unknown }).served) === JSON.stringify(sql)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect.fail(`the ranking never matched SQL again: ${JSON.stringify(last)}`);
  }

  for (const [name, fault] of [
    ["SENTINEL FAILOVER", (g: SentinelGroup) => g.failover()],
    ["kill -9 of the master", (g: SentinelGroup) => g.killMaster()],
  ] as const) {
    it(`keeps answering through ${name}`, async () => {
      const before = await group.masterPort();
      const load = traffic();
      let after: number;
      try {
        await new Promise((resolve) => setTimeout(resolve, 500));
        after = await fault(group);
        await answersAgain();
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        // Also when the fault fails: the loop must not outlive the test's server.
        await load.stop();
      }

      const count = (status: number) => load.statuses.filter((s) => s === status).length;
      console.info(`${name}: ${count(200)} × 200, ${count(503)} × 503 while the master moved`);
      expect(after).not.toBe(before);
      const unexpected = load.statuses.filter((status) => status !== 200 && status !== 503);
      expect(unexpected, "only successes and 503s during the switch").toEqual([]);
      expect(load.statuses.slice(-6), "the last requests succeed").toEqual([200, 200, 200, 200, 200, 200]);
      await rankingEqualsSql();
    }, 120_000);
  }
});
