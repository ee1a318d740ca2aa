import { describe, expect, it } from "vitest";
import { CodeChef, CursorPage, type Fetch, LedgerPage, MessagePage, NumberedPage } from "../src/index.ts";

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
  const client = new CodeChef({ baseUrl: "http://api.test", token: "t", fetch, maxRetries: 0 });
  const seen = () => calls.map(({ url, init }) => `${init.method} ${url.pathname}${url.search}`);
  return { client, calls, seen };
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

/** Items 1..total in pages of `size`, as the server numbers them. */
const numbered = (total: number) => (url: URL) => {
  const page = Number(url.searchParams.get("page") ?? 1);
  const size = Number(url.searchParams.get("size") ?? 20);
  const items = [];
  for (let id = (page - 1) * size + 1; id <= Math.min(total, page * size); id++) items.push({ id });
  return { items, page, size, total };
};

describe("call shapes", () => {
  it("takes path parameters first, then the body, then request options", async () => {
    const { client, calls, seen } = recording(() => ({}));
    await client.admin.users.grantPoints(7, { delta: 10, reason: "prize" }, { idempotencyKey: "k-1" });
    await client.comments.adopt(12);
    await client.comments.create(3, { contents: "hi" });
    await client.comments.update(4, { contents: "edited" });
    await client.users.setCategories({ categoryIds: [1, 2] });
    await client.admin.users.warn(5, { reason: "spam" });
    const seenPaths = seen();
    expect(seenPaths).toEqual([
      "POST /api/v1/admin/users/7/points",
      "POST /api/v1/comments/12/adopt",
      "POST /api/v1/boards/3/comments",
      "PATCH /api/v1/comments/4",
      "PUT /api/v1/users/me/categories",
      "POST /api/v1/admin/users/5/warnings",
    ]);
    expect(new Headers(calls[0]?.init.headers).get("idempotency-key")).toBe("k-1");
    expect(calls.map((c) => c.init.body && JSON.parse(String(c.init.body)))).toEqual([
      { delta: 10, reason: "prize" },
      undefined,
      { contents: "hi" },
      { contents: "edited" },
      { categoryIds: [1, 2] },
      { reason: "spam" },
    ]);
  });
});

describe("lists", () => {
  it("answers a page object that walks on by hand", async () => {
    const { client, seen } = recording(numbered(3));
    const first = await client.boards.list({ size: 2, sort: "views" });
    expect(first).toBeInstanceOf(NumberedPage);
    expect(first).toMatchObject({ items: [{ id: 1 }, { id: 2 }], page: 1, size: 2, total: 3 });
    expect(first.hasNextPage()).toBe(true);
    const second = await first.getNextPage();
    expect(second.items).toEqual([{ id: 3 }]);
    expect(second.hasNextPage()).toBe(false);
    await expect(second.getNextPage()).rejects.toBeInstanceOf(RangeError);
    expect(seen()).toEqual([
      "GET /api/v1/boards?size=2&sort=views",
      "GET /api/v1/boards?size=2&sort=views&page=2",
    ]);
  });

  it("iterates every item of every page from the list call itself, keeping its filters", async () => {
    const { client, seen } = recording(numbered(5));
    const ids = [];
    for await (const comment of client.comments.list(8, { size: 2 })) ids.push(comment.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(seen()).toEqual([
      "GET /api/v1/boards/8/comments?size=2",
      "GET /api/v1/boards/8/comments?size=2&page=2",
      "GET /api/v1/boards/8/comments?size=2&page=3",
    ]);
  });

  it("stops at an empty page even when the total promised more", async () => {
    const { client, calls } = recording(() => ({ items: [], page: 1, size: 20, total: 40 }));
    const all = [];
    for await (const hit of client.search.boards({ q: "lock" })) all.push(hit);
    expect(all).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it("walks a ledger by cursor, with the balance on every page", async () => {
    const { client, seen } = recording((url) =>
      url.searchParams.get("cursor") === "2"
        ? { balance: 3, items: [entry(1)], nextCursor: null }
        : { balance: 3, items: [entry(3), entry(2)], nextCursor: "2" },
    );
    const page = await client.users.points(7, { limit: 2 });
    expect(page).toBeInstanceOf(LedgerPage);
    expect(page.balance).toBe(3);
    const ids = [];
    for await (const item of page) ids.push(item.id);
    expect(ids).toEqual([3, 2, 1]);
    expect(seen()).toEqual([
      "GET /api/v1/users/7/points?limit=2",
      "GET /api/v1/users/7/points?limit=2&cursor=2",
    ]);
  });

  it("walks notifications by cursor and a room's messages by seq", async () => {
    const notes = recording((url) =>
      url.searchParams.has("cursor")
        ? { items: [], nextCursor: null }
        : { items: [{ id: 2 }, { id: 1 }], nextCursor: "1" },
    );
    const page = await notes.client.notifications.list({ unread: true, limit: 2 });
    expect(page).toBeInstanceOf(CursorPage);
    const ids = [];
    for await (const note of page) ids.push(note.id);
    expect(ids).toEqual([2, 1]);
    expect(notes.seen()).toEqual([
      "GET /api/v1/notifications?limit=2&unread=true",
      "GET /api/v1/notifications?limit=2&cursor=1&unread=true",
    ]);

    const history = recording((url) => {
      const after = Number(url.searchParams.get("after"));
      const items = after < 4 ? [{ seq: after + 1 }, { seq: after + 2 }] : [];
      return { items, nextCursor: items.length === 2 ? String(after + 2) : null };
    });
    const first = await history.client.chat.rooms.messages(5, { after: 0, limit: 2 });
    expect(first).toBeInstanceOf(MessagePage);
    const seqs = [];
    for await (const message of first) seqs.push(message.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(history.seen()).toEqual([
      "GET /api/v1/chat/rooms/5/messages?after=0&limit=2",
      "GET /api/v1/chat/rooms/5/messages?after=2&limit=2",
      "GET /api/v1/chat/rooms/5/messages?after=4&limit=2",
    ]);
  });

  it("rejects the list call and its iteration alike when the first page fails", async () => {
    const { client } = recording(() => {
      throw new Error("boom");
    });
    await expect(client.admin.users.list()).rejects.toThrow("boom");
    const loop = async () => {
      for await (const _ of client.chat.rooms.list()) return;
    };
    await expect(loop()).rejects.toThrow("boom");
  });
});
