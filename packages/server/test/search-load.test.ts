import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INDEXED_CHARS } from "../src/adapters/sql/sql-search-index.ts";
import { raw, signedInUser } from "./support/factories.ts";
import { seedLargeBoards } from "./support/large-boards.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const BOARDS = 5000;

describe("search on 5,000 large boards [embedded]", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("embedded");
    const { user } = await signedInUser(server);
    await seedLargeBoards(server, user.id, BOARDS, 2 * INDEXED_CHARS);
  }, 300_000);
  afterAll(() => server?.stop());

  it("leaves /health answering between the statements of four anonymous search loops of short terms", async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    let searching = true;
    let healthy = 0;
    const health = (async () => {
      while (searching) {
        expect((await raw(server, "GET", "/health")).status).toBe(200);
        healthy++;
      }
    })();
    delay.enable();
    const searched: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async (_, loop) => {
        for (let i = 0; i < 10; i++) {
          const q = ["e", "ab", "락", "리뷰"][(i + loop) % 4] ?? "e";
          const response = await raw(server, "GET", `/api/v1/search/boards?q=${encodeURIComponent(q)}`);
          expect(response.status).toBe(200);
          searched.push(response.body.total);
        }
      }),
    );
    delay.disable();
    searching = false;
    await health;
    // Every short term matches every board: each search ranks and counts all of them.
    expect(searched).toEqual(Array.from({ length: 40 }, () => BOARDS));
    // /health got in between statements, not after the whole burst: many more times than there were searches.
    expect(healthy).toBeGreaterThan(searched.length);
    // One statement is bounded work (a chunk of candidates, each a bounded prefix): the loop never stalls long.
    // Generous against a noisy machine; an unbounded scan of these boards stalls it for seconds.
    expect(delay.max / 1e6).toBeLessThan(1000);
  });

  it("finds a term only in the indexed prefix of a board", async () => {
    const { client } = await signedInUser(server);
    const inside = await client.boards.create({
      title: "prefix",
      contents: `zq ${"x ".repeat(INDEXED_CHARS)}`,
    });
    const beyond = await client.boards.create({
      title: "beyond",
      contents: `${"x ".repeat(INDEXED_CHARS)} qz`,
    });
    await server.container.search.outbox.drain();
    const ids = async (q: string) =>
      (await raw(server, "GET", `/api/v1/search/boards?q=${q}`)).body.items.map(
        (hit: { id: number }) => hit.id,
      );
    expect(await ids("zq")).toEqual([inside.id]);
    expect(await ids("qz")).toEqual([]);
    expect(beyond.id).toBeGreaterThan(inside.id);
  });
});
