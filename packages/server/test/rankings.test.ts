import type { Career } from "@codechef/contract";
import type { CodeChef } from "@codechef/sdk";
import etagOf from "etag";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { connectRedis, redisConnected } from "../src/adapters/redis/redis-client.ts";
import { previousMonth } from "../src/modules/rankings/service.ts";
import { HOUR_MS } from "../src/ports.ts";
import { describeEachBackend, describeWithServices } from "./support/backends.ts";
import { detailPaths, manyUsers } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { deleteKeys } from "./support/redis-keys.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

async function createBoards(client: CodeChef, count: number) {
  const boards = [];
  for (let i = 0; i < count; i++) {
    boards.push(await client.boards.create({ title: `ranked board ${i}`, contents: "please review" }));
  }
  return boards;
}

/** Reads by `times` distinct viewers, concurrently: a viewer counts once per hour. */
async function view(server: TestServer, boardId: number, times: number) {
  const viewers = await manyUsers(server, times);
  await Promise.all(viewers.map((viewer) => viewer.client.boards.get(boardId)));
}

async function usersWithPoints(server: TestServer, admin: CodeChef, career: Career, points: number[]) {
  const users = [];
  for (const amount of points) {
    const { user } = await signedInUser(server, { career });
    if (amount > 0) await admin.admin.users.grantPoints(user.id, { delta: amount, reason: "ranking test" });
    users.push({ id: user.id, nickname: user.nickname, career, points: amount });
  }
  return users;
}

async function ledgerEntry(server: TestServer, userId: number, delta: number, createdAt: number) {
  await server.container.database.db
    .insertInto("point_ledger")
    .values({ user_id: userId, delta, reason: "back-dated", balance_after: 0, created_at: createdAt })
    .execute();
}

describeEachBackend("rankings", (backend) => {
  let server: TestServer;
  let admin: CodeChef;
  let author: CodeChef;
  beforeAll(async () => {
    server = await startTestServer(backend);
    admin = (await signedInAdmin(server)).client;
    author = (await signedInUser(server)).client;
  });
  afterAll(() => server?.stop());

  it("ranks boards by their views in the window, exactly, top 3 by default, never a deleted one", async () => {
    const [a, b, c, d, gone] = await createBoards(author, 5);
    if (!a || !b || !c || !d || !gone) throw new Error("boards not created");
    await view(server, a.id, 3);
    await view(server, b.id, 7);
    await view(server, c.id, 1);
    await view(server, d.id, 2);
    await view(server, gone.id, 9);
    await author.boards.delete(gone.id);

    const client = server.client();
    const top = await client.rankings.boards();
    expect(top).toEqual({
      window: "1h",
      items: [
        { id: b.id, title: b.title, views: 7 },
        { id: a.id, title: a.title, views: 3 },
        { id: d.id, title: d.title, views: 2 },
      ],
    });
    const day = await client.rankings.boards({ window: "24h", limit: 10 });
    expect(day.items.map((item) => [item.id, item.views])).toEqual([
      [b.id, 7],
      [a.id, 3],
      [d.id, 2],
      [c.id, 1],
    ]);

    await view(server, c.id, 5);
    expect((await client.rankings.boards({ limit: 2 })).items).toEqual([
      { id: b.id, title: b.title, views: 7 },
      { id: c.id, title: c.title, views: 6 },
    ]);
  });

  it("counts a viewer once per hour: repeated reads by one user or one address rank as one view", async () => {
    const [board] = await createBoards(author, 1);
    if (!board) throw new Error("board not created");
    const anonymous = server.client();
    await Promise.all(
      Array.from({ length: 10 }, () => [author.boards.get(board.id), anonymous.boards.get(board.id)]).flat(),
    );
    const ranked = await server.client().rankings.boards({ window: "1h", limit: 100 });
    expect(ranked.items.find((item) => item.id === board.id)?.views).toBe(2);
    expect((await anonymous.boards.get(board.id)).viewCount).toBe(2);
  });

  it("counts views older than the last hour only in the 24-hour window, after a rebuild from the database", async () => {
    const [old] = await createBoards(author, 1);
    if (!old) throw new Error("board not created");
    const threeHoursAgo = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
    await server.container.database.db
      .insertInto("board_views_hourly")
      .values({ board_id: old.id, hour_start_ms: threeHoursAgo, views: 100 })
      .execute();
    await server.container.services.rankings.rebuild();

    const client = server.client();
    expect((await client.rankings.boards({ window: "24h", limit: 1 })).items).toEqual([
      { id: old.id, title: old.title, views: 100 },
    ]);
    const lastHour = await client.rankings.boards({ window: "1h", limit: 100 });
    expect(lastHour.items.map((item) => item.id)).not.toContain(old.id);
  });

  it("ranks users by points now, WORKING and ASPIRING separately, following every ledger change", async () => {
    const working = await usersWithPoints(server, admin, "WORKING", [30, 50, 10]);
    const aspiring = await usersWithPoints(server, admin, "ASPIRING", [20, 40, 0]);
    const client = server.client();

    const ids = (items: { id: number }[]) => items.map((item) => item.id);
    const workingTop = await client.rankings.users({ career: "WORKING" });
    expect(workingTop.items).toEqual([working[1], working[0], working[2]]);
    const aspiringTop = await client.rankings.users({ career: "ASPIRING", period: "realtime", limit: 5 });
    expect(aspiringTop.items).toEqual([aspiring[1], aspiring[0]]);

    const [first, second, third] = working;
    if (!first || !second || !third) throw new Error("users not created");
    await admin.admin.users.grantPoints(third.id, { delta: 45, reason: "climbs" });
    await admin.admin.users.grantPoints(second.id, { delta: -25, reason: "falls" });
    const after = await client.rankings.users({ career: "WORKING", limit: 2 });
    expect(after.items).toEqual([
      { ...third, points: 55 },
      { ...first, points: 30 },
    ]);
    expect(ids((await client.rankings.users({ career: "ASPIRING" })).items)).not.toContain(third.id);
  });

  it("answers concurrent reads of a ranking with one text and its ETag, and a read after a grant anew", async () => {
    const [user] = await usersWithPoints(server, admin, "WORKING", [5]);
    if (!user) throw new Error("user not created");
    const read = async () => {
      const response = await fetch(`${server.url}/api/v1/rankings/users?career=WORKING&limit=100`);
      const text = await response.text();
      expect(response.headers.get("etag")).toBe(etagOf(text, { weak: true }));
      return text;
    };
    const texts = await Promise.all(Array.from({ length: 20 }, read));
    expect(new Set(texts).size).toBe(1);
    expect(JSON.parse(texts[0] as string).items).toContainEqual(user);
    await admin.admin.users.grantPoints(user.id, { delta: 7, reason: "changes the ranking" });
    expect(JSON.parse(await read()).items).toContainEqual({ ...user, points: 12 });
  });

  it("moves a user between the career rankings when their career changes", async () => {
    const { client: mover, user } = await signedInUser(server, { career: "WORKING" });
    await admin.admin.users.grantPoints(user.id, { delta: 1000, reason: "top of the board" });
    const client = server.client();
    const entry = { id: user.id, nickname: user.nickname, points: 1000 };
    expect((await client.rankings.users({ career: "WORKING", limit: 1 })).items).toEqual([
      { ...entry, career: "WORKING" },
    ]);

    await mover.users.updateMe({ career: "ASPIRING" });
    expect((await client.rankings.users({ career: "ASPIRING", limit: 1 })).items).toEqual([
      { ...entry, career: "ASPIRING" },
    ]);
    const working = await client.rankings.users({ career: "WORKING", limit: 100 });
    expect(working.items.map((item) => item.id)).not.toContain(user.id);
  });

  it("shows a new nickname, a new title and a deletion at once, though it keeps names between reads", async () => {
    const { client: renamer, user } = await signedInUser(server, { career: "WORKING" });
    await admin.admin.users.grantPoints(user.id, { delta: 5000, reason: "top of the board" });
    const [kept, gone] = await createBoards(author, 2);
    if (!kept || !gone) throw new Error("boards not created");
    await view(server, kept.id, 20);
    await view(server, gone.id, 19);
    const client = server.client();
    const topUser = async () => (await client.rankings.users({ career: "WORKING", limit: 1 })).items[0];
    const topBoards = async () => (await client.rankings.boards({ limit: 2 })).items;
    expect(await topUser()).toMatchObject({ id: user.id, nickname: user.nickname });
    expect(await topBoards()).toEqual([
      { id: kept.id, title: kept.title, views: 20 },
      { id: gone.id, title: gone.title, views: 19 },
    ]);

    await renamer.users.updateMe({ nickname: `renamed${user.id}` });
    await author.boards.update(kept.id, { title: "a clearer title" });
    await author.boards.delete(gone.id);
    expect(await topUser()).toMatchObject({ id: user.id, nickname: `renamed${user.id}` });
    const after = await topBoards();
    expect(after[0]).toEqual({ id: kept.id, title: "a clearer title", views: 20 });
    expect(after.map((item) => item.id)).not.toContain(gone.id);
  });

  it("refreshes an old leaderboard from the database in the background, answering meanwhile", async () => {
    const [missed] = await createBoards(author, 1);
    if (!missed) throw new Error("board not created");
    await server.container.database.db
      .insertInto("board_views_hourly")
      .values({ board_id: missed.id, hour_start_ms: Math.floor(Date.now() / HOUR_MS) * HOUR_MS, views: 1000 })
      .execute();
    const client = server.client();
    const top = async () => (await client.rankings.boards({ window: "1h", limit: 1 })).items[0]?.id;
    expect(await top()).not.toBe(missed.id);

    await server.container.leaderboard.markBuilt("board-views", Date.now() - 11 * 60_000);
    await vi.waitFor(async () => expect(await top()).toBe(missed.id), { timeout: 10_000, interval: 50 });
  });

  it("ranks last month by the points earned in the previous UTC month only", async () => {
    const [alice, bob, carol] = await usersWithPoints(server, admin, "ASPIRING", [0, 0, 0]);
    const [walt] = await usersWithPoints(server, admin, "WORKING", [0]);
    if (!alice || !bob || !carol || !walt) throw new Error("users not created");
    const { start, end } = previousMonth(Date.now());
    await ledgerEntry(server, alice.id, 10, start);
    await ledgerEntry(server, alice.id, 15, end - 1);
    await ledgerEntry(server, bob.id, 40, start + 1000);
    await ledgerEntry(server, bob.id, -20, start + 2000);
    await ledgerEntry(server, carol.id, 500, end);
    await ledgerEntry(server, carol.id, 500, start - 1);
    await ledgerEntry(server, carol.id, 5, start + 5000);
    await ledgerEntry(server, walt.id, 70, start + 3000);

    const client = server.client();
    const aspiring = await client.rankings.users({ career: "ASPIRING", period: "last-month", limit: 100 });
    expect(aspiring.items).toEqual([
      { ...alice, points: 25 },
      { ...bob, points: 20 },
      { ...carol, points: 5 },
    ]);
    const working = await client.rankings.users({ career: "WORKING", period: "last-month" });
    expect(working.items).toEqual([{ ...walt, points: 70 }]);
    expect(
      (await client.rankings.users({ career: "ASPIRING", period: "last-month", limit: 1 })).items,
    ).toEqual([{ ...alice, points: 25 }]);
  });

  it("ranks boards right, without a 500, when tens of thousands of deleted boards outrank them", async () => {
    const [hot, warm, gone] = await createBoards(author, 3);
    if (!hot || !warm || !gone) throw new Error("boards not created");
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const views = [
      { board: hot, count: 20_000 },
      { board: warm, count: 15_000 },
    ];
    await server.container.database.db
      .insertInto("board_views_hourly")
      .values(views.map(({ board, count }) => ({ board_id: board.id, hour_start_ms: hour, views: count })))
      .execute();
    await view(server, gone.id, 1);
    await author.boards.delete(gone.id);
    // More stale members than SQLite takes variables in one query: boards deleted since they were counted.
    const stale = Array.from({ length: 40_000 }, (_, i) => ({
      member: String(gone.id + 1_000_000 + i),
      hourStart: hour,
      count: 30_000,
    }));
    await server.container.leaderboard.raise("board-views", [
      ...views.map(({ board, count }) => ({ member: String(board.id), hourStart: hour, count })),
      { member: String(gone.id), hourStart: hour, count: 30_000 },
      ...stale,
    ]);

    const client = server.client();
    for (const window of ["1h", "24h"] as const) {
      expect((await client.rankings.boards({ window, limit: 2 })).items).toEqual([
        { id: hot.id, title: hot.title, views: 20_000 },
        { id: warm.id, title: warm.title, views: 15_000 },
      ]);
    }
  });

  it("answers bad input with 400 and names each field", async () => {
    const cases: [string, string[]][] = [
      ["/rankings/boards?window=2h", ["query.window"]],
      ["/rankings/boards?limit=0", ["query.limit"]],
      ["/rankings/boards?limit=101&window=7d", ["query.limit", "query.window"]],
      ["/rankings/users?career=X", ["query.career"]],
      ["/rankings/users", ["query.career"]],
      ["/rankings/users?career=WORKING&period=yesterday&limit=abc", ["query.limit", "query.period"]],
    ];
    for (const [path, fields] of cases) {
      const response = await raw(server, "GET", `/api/v1${path}`);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code, path).toBe("INVALID_INPUT");
      expect(detailPaths(response.body.error), path).toEqual(fields);
    }
  });
});

describeWithServices("rankings under concurrency and lost Redis data", () => {
  let server: TestServer;
  const redis = connectRedis(process.env.TEST_REDIS_URL ?? "");
  beforeAll(async () => {
    server = await startTestServer("services");
    await redisConnected(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await server?.stop();
  });

  it("rebuilds boards and users from the database, and counts concurrent views exactly", async () => {
    const admin = (await signedInAdmin(server)).client;
    const author = (await signedInUser(server)).client;
    const [a, b] = await createBoards(author, 2);
    if (!a || !b) throw new Error("boards not created");
    await view(server, a.id, 20);
    await view(server, b.id, 12);
    const working = await usersWithPoints(server, admin, "WORKING", [5, 15]);
    const client = server.client();
    const boardsBefore = await client.rankings.boards({ window: "24h" });
    const usersBefore = await client.rankings.users({ career: "WORKING" });
    expect(boardsBefore.items.map((item) => item.views)).toEqual([20, 12]);
    expect(usersBefore.items).toEqual([working[1], working[0]]);

    expect(await deleteKeys(redis, `${server.env.KEY_PREFIX}:lb:`)).toBeGreaterThan(0);
    expect(await redis.keys(`${server.env.KEY_PREFIX}:lb:*`)).toEqual([]);

    const [boardsAfter, usersAfter] = await Promise.all([
      client.rankings.boards({ window: "24h" }),
      client.rankings.users({ career: "WORKING" }),
      client.rankings.boards({ window: "1h" }),
    ]);
    expect(boardsAfter).toEqual(boardsBefore);
    expect(usersAfter).toEqual(usersBefore);

    await view(server, b.id, 10);
    expect(
      (await client.rankings.boards({ window: "1h" })).items.map((item) => [item.id, item.views]),
    ).toEqual([
      [b.id, 22],
      [a.id, 20],
    ]);
  });

  it("stays exact when views race a rebuild", async () => {
    const author = (await signedInUser(server)).client;
    const [board] = await createBoards(author, 1);
    if (!board) throw new Error("board not created");
    await view(server, board.id, 5);
    const client = server.client();
    for (let round = 0; round < 3; round++) {
      await deleteKeys(redis, `${server.env.KEY_PREFIX}:lb:`);
      await Promise.all([
        view(server, board.id, 10),
        ...Array.from({ length: 5 }, () => client.rankings.boards({ window: "24h", limit: 1 })),
      ]);
    }
    expect((await client.rankings.boards({ window: "24h", limit: 1 })).items).toEqual([
      { id: board.id, title: board.title, views: 35 },
    ]);
  });
  it("ends at the final balance when points change concurrently, in any order", async () => {
    const admin = (await signedInAdmin(server)).client;
    const [user] = await usersWithPoints(server, admin, "ASPIRING", [1000]);
    if (!user) throw new Error("user not created");
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        admin.admin.users.grantPoints(user.id, { delta: i % 2 === 0 ? 7 : -3, reason: "race" }),
      ),
    );
    const { balance } = await server.client().users.points(user.id);
    expect(balance).toBe(1040);
    expect((await server.client().rankings.users({ career: "ASPIRING", limit: 1 })).items).toEqual([
      { ...user, points: 1040 },
    ]);
  });
});

describeWithServices("rankings with Redis unreachable", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("services", { REDIS_URL: "redis://127.0.0.1:1/0" });
  });
  afterAll(() => server?.stop());

  it("answers from the database, exactly", async () => {
    const admin = (await signedInAdmin(server)).client;
    const author = (await signedInUser(server)).client;
    const [a, b] = await createBoards(author, 2);
    if (!a || !b) throw new Error("boards not created");
    await view(server, a.id, 2);
    await view(server, b.id, 4);
    const [low, high] = await usersWithPoints(server, admin, "ASPIRING", [10, 20]);
    const [lastMonth] = await usersWithPoints(server, admin, "WORKING", [0]);
    if (!lastMonth) throw new Error("user not created");
    await ledgerEntry(server, lastMonth.id, 9, previousMonth(Date.now()).start);

    const client = server.client();
    expect(await client.rankings.boards({ window: "24h" })).toEqual({
      window: "24h",
      items: [
        { id: b.id, title: b.title, views: 4 },
        { id: a.id, title: a.title, views: 2 },
      ],
    });
    expect((await client.rankings.users({ career: "ASPIRING" })).items).toEqual([high, low]);
    expect((await client.rankings.users({ career: "WORKING", period: "last-month" })).items).toEqual([
      { ...lastMonth, points: 9 },
    ]);
  });
});
