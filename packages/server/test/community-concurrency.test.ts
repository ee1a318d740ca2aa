import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithServices } from "./support/backends.ts";
import { bearer, json, manyUsers } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeWithServices("community under concurrency", () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  let asker: Awaited<ReturnType<typeof signedInUser>>;
  let users: Awaited<ReturnType<typeof manyUsers>>;
  beforeAll(async () => {
    // One trusted proxy hop: anonymous viewers are told apart by the X-Forwarded-For the test sends.
    server = await startTestServer("services", { TRUST_PROXY: "1" });
    admin = await signedInAdmin(server);
    asker = await signedInUser(server);
    users = await manyUsers(server, 50);
  });
  afterAll(() => server?.stop());

  const db = () => server.container.database.db;
  const balanceOf = async (userId: number) =>
    Number(
      (await db().selectFrom("users").select("points").where("id", "=", userId).executeTakeFirstOrThrow())
        .points,
    );
  const ledgerCount = async (userId: number) =>
    (await db().selectFrom("point_ledger").select("id").where("user_id", "=", userId).execute()).length;
  /** An admin grant (or deduction) as raw HTTP, with an optional Idempotency-Key. */
  const grant = (userId: number, body: { delta: number; reason: string }, key?: string) =>
    raw(
      server,
      "POST",
      `/api/v1/admin/users/${userId}/points`,
      bearer(admin.session.accessToken, json(body, key ? { "idempotency-key": key } : {})),
    );

  it("counts 1,000 concurrent reads by 1,000 users as exactly 1,000 views, each viewer once per hour", async () => {
    const board = await asker.client.boards.create({ title: "popular", contents: "c" });
    const viewers = await manyUsers(server, 1000);
    const read = (token?: string, address?: string) =>
      raw(server, "GET", `/api/v1/boards/${board.id}`, {
        headers: {
          ...(token && { authorization: `Bearer ${token}` }),
          ...(address && { "x-forwarded-for": address }),
        },
      });
    const readers = [
      ...viewers.map((viewer) => () => read(viewer.token)),
      // Racing repeats: 100 of the users again, and 50 anonymous addresses twice each.
      ...viewers.slice(0, 100).map((viewer) => () => read(viewer.token)),
      ...Array.from({ length: 100 }, (_, i) => () => read(undefined, `203.0.113.${i % 50}`)),
    ];
    // 200 in flight at a time, so the pool's queue (5 s) is not what the test measures on a busy machine.
    const reads: Awaited<ReturnType<typeof read>>[] = [];
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        for (let next = readers.shift(); next; next = readers.shift()) reads.push(await next());
      }),
    );
    expect(reads.filter((r) => r.status !== 200)).toEqual([]);
    // Every count from 1 to 1,050 was answered by the read that made it (repeats answer a count made by another).
    const answered = new Set(reads.map((r) => r.body.viewCount as number));
    expect(Math.max(...answered)).toBe(1050);
    expect(answered.size).toBe(1050);
    const row = await db()
      .selectFrom("boards")
      .select("view_count")
      .where("id", "=", board.id)
      .executeTakeFirstOrThrow();
    expect(Number(row.view_count)).toBe(1050);
    const hours = await db()
      .selectFrom("board_views_hourly")
      .select("views")
      .where("board_id", "=", board.id)
      .execute();
    expect(hours.reduce((sum, h) => sum + Number(h.views), 0)).toBe(1050);
    const ranked = await server.client().rankings.boards({ window: "1h", limit: 1 });
    expect(ranked.items).toEqual([{ id: board.id, title: "popular", views: 1050 }]);
  });

  it("lets exactly one of 50 concurrent adoptions on one board win, with one ledger row", async () => {
    const board = await asker.client.boards.create({ title: "which answer?", contents: "c" });
    const comments = await Promise.all(
      users.map((u) => u.client.comments.create(board.id, { contents: `answer of ${u.id}` })),
    );
    const results = await Promise.all(
      comments.map((c) =>
        raw(server, "POST", `/api/v1/comments/${c.id}/adopt`, bearer(asker.session.accessToken)),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(
      results.filter((r) => r.status === 409).every((r) => r.body.error.code === "ALREADY_ADOPTED"),
    ).toBe(true);
    const adoptions = await db()
      .selectFrom("point_ledger")
      .select("user_id")
      .where("reason", "=", "ADOPTED_COMMENT")
      .where(
        "user_id",
        "in",
        users.map((u) => u.id),
      )
      .execute();
    expect(adoptions).toHaveLength(1);
    const winner = results.find((r) => r.status === 200)?.body;
    expect(adoptions[0]?.user_id).toBe(winner.author.id);
    expect(await balanceOf(winner.author.id)).toBe(50);
    const adopted = await db()
      .selectFrom("comments")
      .select("id")
      .where("board_id", "=", board.id)
      .where("adopted", "=", 1)
      .execute();
    expect(adopted.map((c) => c.id)).toEqual([winner.id]);
    expect((await server.client().boards.get(board.id)).adoptedComment?.id).toBe(winner.id);
  });

  it("applies 100 concurrent grants of +10 with distinct keys: +1,000 and 100 ledger rows", async () => {
    const { id } = users[1] ?? { id: 0 };
    const before = await balanceOf(id);
    const rowsBefore = await ledgerCount(id);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => grant(id, { delta: 10, reason: "bulk" }, `bulk-${id}-${i}`)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(201));
    expect(await balanceOf(id)).toBe(before + 1000);
    expect((await ledgerCount(id)) - rowsBefore).toBe(100);
    const balancesAfter = results.map((r) => r.body.balanceAfter as number).sort((a, b) => a - b);
    expect(balancesAfter).toEqual(Array.from({ length: 100 }, (_, i) => before + 10 * (i + 1)));
  });

  it("applies one Idempotency-Key sent 20 times concurrently once", async () => {
    const { id } = users[2] ?? { id: 0 };
    const before = await balanceOf(id);
    const rowsBefore = await ledgerCount(id);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => grant(id, { delta: 25, reason: "once" }, `once-${id}`)),
    );
    // One runs; the others wait for it and answer its response.
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(results.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await balanceOf(id)).toBe(before + 25);
    expect((await ledgerCount(id)) - rowsBefore).toBe(1);
  });

  it("never lets concurrent deductions take a balance below zero", async () => {
    const { id } = users[3] ?? { id: 0 };
    // Whatever it held before (it may have won the adoption), the balance is 100 now.
    await admin.client.admin.users.grantPoints(id, { delta: 100 - (await balanceOf(id)), reason: "start" });
    const rowsBefore = await ledgerCount(id);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => grant(id, { delta: -10, reason: "spend" })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(
      results.filter((r) => r.status === 409).every((r) => r.body.error.code === "INSUFFICIENT_POINTS"),
    ).toBe(true);
    expect(await balanceOf(id)).toBe(0);
    expect((await ledgerCount(id)) - rowsBefore).toBe(10);
  });
});
