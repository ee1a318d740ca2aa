import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../src/db/database.ts";
import { ServiceUnavailableError } from "../src/http/errors.ts";
import { describeWithServices, serviceUrls } from "./support/backends.ts";
import { raw, signedInUser } from "./support/factories.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";
import { createTestDatabase, startTestServer } from "./support/test-server.ts";

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
      const { client } = await signedInUser(server);
      const board = await client.boards.create({ title: "frozen", contents: "link" });
      proxy.freeze();
      // Answered while the link is still frozen: nothing waits for the fault to end.
      const during = await Promise.all(
        Array.from({ length: 5 }, () => raw(server, "GET", `/api/v1/boards/${board.id}`)),
      );
      expect(during.map((r) => [r.status, r.body.error.code])).toEqual(
        Array.from({ length: 5 }, () => [503, "SERVICE_UNAVAILABLE"]),
      );
      const ready = await raw(server, "GET", "/ready");
      expect(ready.body.services.database).toBe("down");
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
