import type { LedgerEntry } from "@codechef/contract";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PointsRepository } from "../src/modules/points/repository.ts";
import { PointsService } from "../src/modules/points/service.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, detailPaths, json } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("points ledger", (backend) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    admin = await signedInAdmin(server);
  });
  afterAll(() => server?.stop());

  const ledgerRows = (userId: number) =>
    server.container.database.db
      .selectFrom("point_ledger")
      .selectAll()
      .where("user_id", "=", userId)
      .execute();

  it("grants and deducts through the ledger; the balance and the list show it, newest first", async () => {
    const { user } = await signedInUser(server);
    const granted = await admin.client.admin.users.grantPoints(user.id, {
      delta: 100,
      reason: "event prize",
    });
    expect(granted).toEqual({
      id: expect.any(Number),
      userId: user.id,
      delta: 100,
      reason: "event prize",
      reference: `admin:${admin.user.id}`,
      balanceAfter: 100,
      createdAt: expect.any(String),
    });
    await admin.client.admin.users.grantPoints(user.id, { delta: -30, reason: "refund" });
    await admin.client.admin.users.grantPoints(user.id, { delta: 5, reason: "bonus" });

    const anonymous = server.client();
    const first = await anonymous.users.points(user.id, { limit: 2 });
    expect(first.balance).toBe(75);
    expect(first.items.map((e) => [e.delta, e.balanceAfter])).toEqual([
      [5, 75],
      [-30, 70],
    ]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await anonymous.users.points(user.id, { limit: 2, cursor: first.nextCursor ?? "" });
    expect(rest.items.map((e) => e.delta)).toEqual([100]);
    expect(rest.nextCursor).toBeNull();
    const exactlyFull = await anonymous.users.points(user.id, { limit: 3 });
    expect(exactlyFull.items.map((e) => e.delta)).toEqual([5, -30, 100]);
    expect(exactlyFull.nextCursor).toBeNull();
    const all: LedgerEntry[] = [];
    for await (const entry of anonymous.users.points(user.id, { limit: 1 })) all.push(entry);
    expect(all.map((e) => e.delta)).toEqual([5, -30, 100]);
  });

  it("applies an Idempotency-Key once: the first 201 again, 200 once the key's response expired; another change 409", async () => {
    const { user } = await signedInUser(server);
    const send = (delta: number) =>
      raw(
        server,
        "POST",
        `/api/v1/admin/users/${user.id}/points`,
        bearer(admin.session.accessToken, json({ delta, reason: "grant" }, { "idempotency-key": "grant-1" })),
      );
    const first = await send(10);
    const again = await send(10);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    // Past the HTTP layer's 24 h the ledger still knows the key: 200 with the first entry.
    await server.container.database.db.deleteFrom("idempotency_keys").execute();
    const later = await send(10);
    expect([later.status, later.body]).toEqual([200, first.body]);
    const reused = await send(20);
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await server.client().users.points(user.id)).balance).toBe(10);

    const viaSdk = await admin.client.admin.users.grantPoints(
      user.id,
      { delta: 7, reason: "sdk" },
      { idempotencyKey: "grant-2" },
    );
    expect(
      await admin.client.admin.users.grantPoints(
        user.id,
        { delta: 7, reason: "sdk" },
        { idempotencyKey: "grant-2" },
      ),
    ).toEqual(viaSdk);
    expect((await server.client().users.points(user.id)).balance).toBe(17);
    expect(await ledgerRows(user.id)).toHaveLength(2);

    // Keys are exact: another letter case is another key (MariaDB's default collation would merge them).
    for (const key of ["Grant-2", "GRANT-2"]) {
      await admin.client.admin.users.grantPoints(
        user.id,
        { delta: 7, reason: "sdk" },
        { idempotencyKey: key },
      );
    }
    expect((await server.client().users.points(user.id)).balance).toBe(31);
  });

  it("refuses to go below zero with 409 INSUFFICIENT_POINTS and writes nothing", async () => {
    const { user } = await signedInUser(server);
    await admin.client.admin.users.grantPoints(user.id, { delta: 20, reason: "start" });
    await expect(
      admin.client.admin.users.grantPoints(user.id, { delta: -21, reason: "too much" }),
    ).rejects.toMatchObject({ status: 409, code: "INSUFFICIENT_POINTS" });
    expect((await server.client().users.points(user.id)).balance).toBe(20);
    expect(await ledgerRows(user.id)).toHaveLength(1);
    await admin.client.admin.users.grantPoints(user.id, { delta: -20, reason: "all of it" });
    expect((await server.client().users.points(user.id)).balance).toBe(0);
  });

  it("calls onPointsChanged after the commit, and not for a refused or replayed change", async () => {
    const { user } = await signedInUser(server);
    const changed: Array<{ userId: number; balance: number }> = [];
    const database = server.container.database;
    const points = new PointsService({
      database,
      points: new PointsRepository(database.db, database.dialect),
      onPointsChanged: async (userId) => {
        const row = await database.db
          .selectFrom("users")
          .select("points")
          .where("id", "=", userId)
          .executeTakeFirstOrThrow();
        changed.push({ userId, balance: Number(row.points) });
      },
    });
    const change = { userId: user.id, delta: 15, reason: "hook", idempotencyKey: `hook-${user.id}` };
    const applied = await points.apply(undefined, change);
    expect(applied.replayed).toBe(false);
    expect(await points.apply(undefined, change)).toEqual({ entry: applied.entry, replayed: true });
    await expect(
      points.apply(undefined, { userId: user.id, delta: -100, reason: "no" }),
    ).rejects.toMatchObject({
      code: "INSUFFICIENT_POINTS",
    });
    expect(changed).toEqual([{ userId: user.id, balance: 15 }]);
  });

  const servicePublishing = (calls: number[][]) => {
    const database = server.container.database;
    return new PointsService({
      database,
      points: new PointsRepository(database.db, database.dialect),
      onPointsChanged: (_userId, deltas) => calls.push(deltas),
    });
  };

  /** The ledger in order is a chain from 0: each balance_after is the one before plus its delta, never below 0. */
  const expectChain = async (userId: number) => {
    const rows = (await ledgerRows(userId)).sort((a, b) => a.id - b.id);
    let balance = 0;
    for (const row of rows) {
      balance += Number(row.delta);
      expect(Number(row.balance_after)).toBe(balance);
      expect(balance).toBeGreaterThanOrEqual(0);
    }
    const user = await server.container.database.db
      .selectFrom("users")
      .select("points")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    expect(Number(user.points)).toBe(balance);
    return rows;
  };

  it("applies concurrent changes to one user in shared transactions, each exactly once and in a valid order", async () => {
    const { user } = await signedInUser(server);
    const calls: number[][] = [];
    const points = servicePublishing(calls);
    const changes = [
      ...Array.from({ length: 120 }, (_, i) => ({ delta: 10, idempotencyKey: `batch-${user.id}-${i}` })),
      ...Array.from({ length: 60 }, () => ({ delta: -25, idempotencyKey: null })),
    ].sort(() => Math.random() - 0.5);
    const settled = await Promise.allSettled(
      changes.map((change) => points.apply(undefined, { userId: user.id, reason: "race", ...change })),
    );
    const applied = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const refused = settled.flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
    for (const reason of refused) expect(reason).toMatchObject({ code: "INSUFFICIENT_POINTS" });
    expect(applied.filter((a) => a.entry.delta === 10)).toHaveLength(120);
    expect(applied.every((a) => !a.replayed)).toBe(true);

    const rows = await expectChain(user.id);
    expect(rows.map((row) => row.id).sort()).toEqual(applied.map((a) => a.entry.id).sort());
    for (const a of applied) {
      expect(rows.find((row) => row.id === a.entry.id)).toMatchObject({
        delta: a.entry.delta,
        balance_after: a.entry.balance_after,
      });
    }
    // Fewer commits than changes: the ones queued behind the first shared transactions.
    expect(calls.length).toBeLessThan(applied.length);
    expect(calls.flat()).toHaveLength(applied.length);
  });

  it("applies a key sent twice at once only once, and answers a repeat that can no longer apply with its first entry", async () => {
    const { user } = await signedInUser(server);
    const points = servicePublishing([]);
    const grant = (i: number) => ({
      userId: user.id,
      delta: 10,
      reason: "twice",
      idempotencyKey: `twice-${user.id}-${i}`,
    });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => [
        points.apply(undefined, grant(i)),
        points.apply(undefined, grant(i)),
      ]).flat(),
    );
    for (let i = 0; i < 40; i++) {
      const [a, b] = [results[2 * i], results[2 * i + 1]];
      expect(a?.entry.id).toBe(b?.entry.id);
      expect([a?.replayed, b?.replayed].sort()).toEqual([false, true]);
    }
    expect(await expectChain(user.id)).toHaveLength(40);

    const spend = { userId: user.id, delta: -400, reason: "spend", idempotencyKey: `spend-${user.id}` };
    const first = await points.apply(undefined, spend);
    const nothingLeft = { userId: user.id, delta: -1, reason: "more" };
    const [alone, repeat, more] = await Promise.allSettled([
      points.apply(undefined, nothingLeft),
      points.apply(undefined, spend),
      points.apply(undefined, nothingLeft),
    ]);
    expect(alone).toMatchObject({ status: "rejected", reason: { code: "INSUFFICIENT_POINTS" } });
    expect(repeat).toEqual({ status: "fulfilled", value: { entry: first.entry, replayed: true } });
    expect(more).toMatchObject({ status: "rejected", reason: { code: "INSUFFICIENT_POINTS" } });
    expect(await expectChain(user.id)).toHaveLength(41);
  });

  it("names bad fields, keeps grants admin-only and answers 404 for unknown users", async () => {
    const { user, client, session } = await signedInUser(server);
    const path = `/api/v1/admin/users/${user.id}/points`;
    const token = admin.session.accessToken;
    const cases: Array<[unknown, string[]]> = [
      [{ delta: 0, reason: "x" }, ["body.delta"]],
      [{ delta: 1.5, reason: "" }, ["body.delta", "body.reason"]],
      [{ delta: "10" }, ["body.delta", "body.reason"]],
    ];
    for (const [body, paths] of cases) {
      const response = await raw(server, "POST", path, bearer(token, json(body)));
      expect(response.status).toBe(400);
      expect(detailPaths(response.body.error)).toEqual(paths);
    }
    const longKey = await raw(
      server,
      "POST",
      path,
      bearer(token, json({ delta: 1, reason: "x" }, { "idempotency-key": "k".repeat(101) })),
    );
    expect(detailPaths(longKey.body.error)).toEqual(["headers.idempotency-key"]);

    await expect(client.admin.users.grantPoints(user.id, { delta: 10, reason: "me" })).rejects.toMatchObject({
      status: 403,
    });
    expect(
      (await raw(server, "POST", path, bearer(session.accessToken, json({ delta: 1, reason: "x" })))).status,
    ).toBe(403);
    await expect(
      admin.client.admin.users.grantPoints(999_999, { delta: 1, reason: "x" }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(server.client().users.points(999_999)).rejects.toMatchObject({ status: 404 });
    const badCursor = await raw(server, "GET", `/api/v1/users/${user.id}/points?cursor=abc`);
    expect(detailPaths(badCursor.body.error)).toEqual(["query.cursor"]);
    expect((await raw(server, "GET", `/api/v1/users/${user.id}/points?limit=101`)).status).toBe(400);
  });
});
