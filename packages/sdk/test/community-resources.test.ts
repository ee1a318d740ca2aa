import { describe, expect, it } from "vitest";
import { CodeChef, type Fetch } from "../src/index.ts";

/** A fetch that answers each call with `answer(url)`, recording what was asked. */
function recording(answer: (url: URL) => unknown) {
  const calls: Array<{ url: URL; init: RequestInit }> = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({ url: new URL(url), init });
    const body = answer(new URL(url));
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status: body === undefined ? 204 : 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { client: new CodeChef({ baseUrl: "http://api.test", token: "t", fetch, maxRetries: 0 }), calls };
}

const entry = (id: number) => ({
  id,
  userId: 7,
  delta: 1,
  reason: "r",
  reference: null,
  balanceAfter: id,
  createdAt: "2026-01-01T00:00:00.000Z",
});

describe("community resources", () => {
  it("sends grants with their idempotency key, and adoption and comments to their paths", async () => {
    const { client, calls } = recording(() => ({}));
    await client.admin.users.grantPoints(7, { delta: 10, reason: "prize" }, { idempotencyKey: "k-1" });
    await client.comments.adopt(12);
    await client.comments.create(3, "hi");
    await client.users.setCategories([1, 2]);
    await client.boards.list({ categoryId: 4, sort: "views" });
    const seen = calls.map(({ url, init }) => `${init.method} ${url.pathname}${url.search}`);
    expect(seen).toEqual([
      "POST /api/v1/admin/users/7/points",
      "POST /api/v1/comments/12/adopt",
      "POST /api/v1/boards/3/comments",
      "PUT /api/v1/users/me/categories",
      "GET /api/v1/boards?categoryId=4&sort=views",
    ]);
    expect(new Headers(calls[0]?.init.headers).get("idempotency-key")).toBe("k-1");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ delta: 10, reason: "prize" });
    expect(JSON.parse(String(calls[3]?.init.body))).toEqual({ categoryIds: [1, 2] });
  });

  it("iterates a ledger by cursor and boards by page until the lists end", async () => {
    const ledger = recording((url) =>
      url.searchParams.get("cursor") === "2"
        ? { balance: 3, items: [entry(1)], nextCursor: null }
        : { balance: 3, items: [entry(3), entry(2)], nextCursor: "2" },
    );
    const ids = [];
    for await (const item of ledger.client.users.iteratePoints(7, { limit: 2 })) ids.push(item.id);
    expect(ids).toEqual([3, 2, 1]);
    expect(ledger.calls.map((c) => c.url.search)).toEqual(["?limit=2", "?limit=2&cursor=2"]);

    const board = (id: number) => ({ id });
    const pages = recording((url) => {
      const page = Number(url.searchParams.get("page"));
      return { items: page === 1 ? [board(1), board(2)] : [board(3)], page, size: 2, total: 3 };
    });
    const boards = [];
    for await (const b of pages.client.boards.iterate({ size: 2 })) boards.push(b.id);
    expect(boards).toEqual([1, 2, 3]);
    expect(pages.calls).toHaveLength(2);
  });
});
