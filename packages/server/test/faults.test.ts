import { sql } from "kysely";
import { expect, it } from "vitest";
import { openDatabase } from "../src/db/database.ts";
import { ServiceUnavailableError } from "../src/shared/errors.ts";
import { describeWithBroker, describeWithServices, serviceUrls } from "./support/backends.ts";
import { manyUsers } from "./support/community.ts";
import { raw, signedInUser } from "./support/factories.ts";
import { connectRaw } from "./support/realtime.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";
import { createTestDatabase, startTestServer, type TestServer } from "./support/test-server.ts";

const ofMysql = () => new URL(serviceUrls.mysql ?? "");

describeWithServices("database deadlines", () => {
  it("the server aborts a statement past max_statement_time: a 503 error, and the pool goes on", async () => {
    const database = openDatabase(serviceUrls.mysql ?? "", 2, () => {}, 300);
    try {
      const slow = sql`select sleep(3)`.execute(database.db);
      await expect(slow).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(slow).rejects.toMatchObject({ cause: expect.stringMatching(/max_statement_time/) });
      await database.ping();
    } finally {
      await database.close();
    }
  });

  it("a connection that dies mid-query is a 503 error, and the next query gets a new connection", async () => {
    const target = ofMysql();
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 3306));
    const database = openDatabase(throughProxy(target.toString(), proxy.port), 2, () => {}, 10_000);
    try {
      await database.ping();
      const slow = sql`select sleep(5)`.execute(database.db);
      await new Promise((resolve) => setTimeout(resolve, 200));
      proxy.cut();
      await expect(slow).rejects.toBeInstanceOf(ServiceUnavailableError);
      proxy.restore();
      await database.ping();
    } finally {
      await database.close();
      await proxy.close();
    }
  });

  it("a frozen database link answers 503 while it is frozen, and requests succeed once it is back", async () => {
    const target = ofMysql();
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 3306));
    const database = await createTestDatabase();
    const server = await startTestServer("services", {
      DATABASE_URL: throughProxy(database.url, proxy.port),
      DATABASE_STATEMENT_TIMEOUT: "1",
    });
    try {
      const { client, session } = await signedInUser(server);
      const board = await client.boards.create({ title: "frozen", contents: "link" });
      const room = await client.chat.rooms.create({ title: "frozen" });
      const stomp = await connectRaw(server, session.accessToken);
      proxy.freeze();
      // A chat SEND stuck on the database is answered too, with the same code, and does not hang its session.
      stomp.frame(
        "SEND",
        { destination: `/app/chat-room.${room.id}`, receipt: "s1" },
        JSON.stringify({ content: "hi" }),
      );
      // Answered while the link is still frozen: nothing waits for the fault to end.
      const during = await Promise.all(
        Array.from({ length: 5 }, () => raw(server, "GET", `/api/v1/boards/${board.id}`)),
      );
      expect(during.map((r) => [r.status, r.body.error.code])).toEqual(
        Array.from({ length: 5 }, () => [503, "SERVICE_UNAVAILABLE"]),
      );
      const ready = await raw(server, "GET", "/ready");
      expect(ready.body.services.database).toBe("down");
      expect(await stomp.next("ERROR")).toMatch(/code:SERVICE_UNAVAILABLE/);
      proxy.restore();
      const after = await raw(server, "GET", `/api/v1/boards/${board.id}`);
      expect(after.status).toBe(200);
      expect(after.body.title).toBe("frozen");
    } finally {
      await server.stop();
      await database.drop();
      await proxy.close();
    }
  });
});

describeWithServices("emoji on MariaDB", () => {
  it("keeps emoji keywords apart and finds only the board that holds the emoji searched for", async () => {
    const server = await startTestServer("services");
    try {
      const { client } = await signedInUser(server);
      const octopus = await client.boards.create({ title: "sea 🐙 creature", contents: "tentacles" });
      const unicorn = await client.boards.create({ title: "myth 🦄 creature", contents: "horn" });
      await server.container.search.outbox.drain();
      const [first, second] = await manyUsers(server, 2);
      if (!first || !second) throw new Error("users not created");
      for (const searcher of [first, second]) await searcher.client.search.boards({ q: "🦄" });
      const found = await first.client.search.boards({ q: "🐙" });
      expect(found.items.map((hit) => hit.id)).toEqual([octopus.id]);
      expect((await second.client.search.boards({ q: "🦄" })).items.map((hit) => hit.id)).toEqual([
        unicorn.id,
      ]);
      const { items } = await server.client().rankings.keywords({ window: "1h", limit: 10 });
      expect(items).toEqual([
        { keyword: "🦄", count: 2 },
        { keyword: "🐙", count: 1 },
      ]);
      const [column] = await server.container.database.db
        .selectFrom(sql`information_schema.columns`.as("c"))
        .select(sql<string>`collation_name`.as("collation"))
        .where(sql`table_schema`, "=", sql`database()`)
        .where(sql`table_name`, "=", "keyword_searchers")
        .where(sql`column_name`, "=", "keyword")
        .execute();
      expect(column?.collation).toMatch(/uca1400|0900|520/);
    } finally {
      await server.stop();
    }
  });
});

/** Polls `/ready` until `service` is in `state`; a few seconds at most. */
async function readyUntil(server: TestServer, service: string, state: "up" | "down") {
  for (let attempt = 0; attempt < 50; attempt++) {
    const ready = await raw(server, "GET", "/ready");
    if (ready.body.services[service] === state) return attempt;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${service} never ${state}`);
}

describeWithBroker("a frozen broker", () => {
  it("is named by the first /ready after the freeze, and up again once it answers", async () => {
    const target = new URL(serviceUrls.amqp ?? "");
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5672));
    const server = await startTestServer("services", {
      AMQP_URL: throughProxy(target.toString(), proxy.port),
    });
    try {
      expect((await raw(server, "GET", "/ready")).body.services.rabbitmq).toBe("up");
      proxy.freeze();
      const frozen = await raw(server, "GET", "/ready");
      expect(frozen.status).toBe(503);
      expect(frozen.body.services).toMatchObject({ database: "up", redis: "up", rabbitmq: "down" });
      proxy.restore();
      await readyUntil(server, "rabbitmq", "up");
    } finally {
      await server.stop();
      await proxy.close();
    }
  });
});

describeWithServices("a leaderboard that missed writes while Redis was away", () => {
  it("equals the database on the first read after Redis answers again", async () => {
    const target = new URL(serviceUrls.redis ?? "");
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const server = await startTestServer("services", {
      REDIS_URL: throughProxy(target.toString(), proxy.port),
    });
    try {
      const { client } = await signedInUser(server);
      const board = await client.boards.create({ title: "missed", contents: "views" });
      const viewers = await manyUsers(server, 5);
      const views = () => server.client().rankings.boards({ window: "1h", limit: 1 });
      for (const viewer of viewers.slice(0, 2)) await viewer.client.boards.get(board.id);
      expect((await views()).items).toEqual([{ id: board.id, title: "missed", views: 2 }]);
      proxy.cut();
      for (const viewer of viewers.slice(2))
        expect((await viewer.client.boards.get(board.id)).viewCount).toBeGreaterThan(2);
      // Answered from the database while Redis is away.
      expect((await views()).items).toEqual([{ id: board.id, title: "missed", views: 5 }]);
      proxy.restore();
      await readyUntil(server, "redis", "up");
      expect((await views()).items).toEqual([{ id: board.id, title: "missed", views: 5 }]);
    } finally {
      await server.stop();
      await proxy.close();
    }
  });
});
