import { randomUUID } from "node:crypto";
import { endpoints, isCreating } from "@codechef/contract";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/schema.ts";
import { Idempotency } from "../src/http/idempotency.ts";
import { ServiceUnavailableError } from "../src/shared/errors.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, json } from "./support/community.ts";
import { startDroppingProxy } from "./support/dropping-proxy.ts";
import { buildSignup, raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("Idempotency-Key on creating calls", (backend) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  let user: Awaited<ReturnType<typeof signedInUser>>;
  let boardId: number;
  let eventId: number;
  let threadId: number;
  let png: Buffer;
  beforeAll(async () => {
    server = await startTestServer(backend);
    admin = await signedInAdmin(server);
    user = await signedInUser(server);
    boardId = (
      await user.client.boards.create({
        title: "a board",
        contents: "to comment on",
        files: [{ path: "a.ts", content: "const a = 1;\nconst b = 2;\n" }],
      })
    ).id;
    // Capacity for every join the cases make (each replay pair joins as a new user).
    eventId = (await admin.client.events.create({ title: "e", capacity: 1000, points: 1 })).id;
    threadId = (
      await user.client.review.startThread(boardId, {
        revision: 1,
        path: "a.ts",
        startLine: 1,
        endLine: 1,
        body: "?",
      })
    ).id;
    png = await sharp({ create: { width: 2, height: 2, channels: 3, background: "#fff" } })
      .png()
      .toBuffer();
  });
  afterAll(() => server?.stop());

  const rows = async (table: keyof Database) =>
    Number(
      (
        await server.container.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const post = (path: string, body: unknown, key: string, token?: string) =>
    body instanceof FormData
      ? raw(server, "POST", `/api/v1${path}`, {
          body,
          headers: { "idempotency-key": key, ...(token && { authorization: `Bearer ${token}` }) },
        })
      : raw(server, "POST", `/api/v1${path}`, bearer(token, json(body, { "idempotency-key": key })));
  const upload = () => {
    const form = new FormData();
    form.append(
      "files",
      new Blob([new Uint8Array(png)], { type: "image/png" }),
      `p-${randomUUID().slice(0, 8)}.png`,
    );
    return form;
  };

  const cases = () =>
    [
      { name: "auth.signup", path: "/auth/signup", body: buildSignup(), token: undefined, table: "users" },
      { name: "boards.create", path: "/boards", body: { title: "t", contents: "c" }, table: "boards" },
      {
        name: "comments.create",
        path: `/boards/${boardId}/comments`,
        body: { contents: "c" },
        table: "comments",
      },
      { name: "chat.createRoom", path: "/chat/rooms", body: { title: "room" }, table: "chat_rooms" },
      {
        name: "categories.create",
        path: "/categories",
        body: { type: "LANGUAGE", name: `lang-${randomUUID()}` },
        admin: true,
        table: "categories",
      },
      {
        name: "announcements.create",
        path: "/admin/announcements",
        body: { title: "t", body: "b" },
        admin: true,
        table: "notifications",
      },
      {
        name: "adminPoints.grant",
        path: `/admin/users/${user.user.id}/points`,
        body: { delta: 5, reason: "r" },
        admin: true,
        table: "point_ledger",
      },
      {
        name: "moderation.warn",
        path: `/admin/users/${user.user.id}/warnings`,
        body: { reason: "r" },
        admin: true,
        table: "warnings",
      },
      {
        name: "attachments.upload",
        path: `/boards/${boardId}/attachments`,
        body: upload(),
        table: "attachments",
      },
      {
        name: "events.create",
        path: "/events",
        body: { title: "e", capacity: 1, points: 1 },
        admin: true,
        table: "events",
      },
      { name: "events.join", path: `/events/${eventId}/join`, body: undefined, table: "event_participants" },
      {
        name: "subscriptions.subscribe",
        path: "/subscriptions",
        body: { planId: "monthly", paymentToken: "sandbox-ok" },
        table: "subscriptions",
      },
      {
        name: "review.createThread",
        path: `/boards/${boardId}/threads`,
        body: { revision: 1, path: "a.ts", startLine: 2, endLine: 2, body: "why?" },
        table: "review_threads",
      },
      {
        name: "review.reply",
        path: `/threads/${threadId}/comments`,
        body: { body: "because" },
        table: "review_comments",
      },
    ] as const;

  it("covers every creating call of the contract", () => {
    const creating = endpoints()
      .filter(([, e]) => isCreating(e))
      .map(([name]) => name);
    expect(cases().map((c) => c.name)).toEqual(expect.arrayContaining(creating));
    expect(creating).toHaveLength(cases().length);
  });

  it("answers a repeated key and body with the first status, body and Location, creating one resource", async () => {
    for (const c of cases()) {
      const token =
        "admin" in c
          ? admin.session.accessToken
          : c.name === "auth.signup"
            ? undefined
            : user.session.accessToken;
      const before = await rows(c.table);
      const key = randomUUID();
      const first = await post(c.path, c.body, key, token);
      const again = await post(c.path, c.body, key, token);
      expect([c.name, first.status, again.status]).toEqual([c.name, 201, 201]);
      expect(again.body).toEqual(first.body);
      expect(first.headers.get("location")).toMatch(/^\/api\/v1\//);
      expect(again.headers.get("location")).toBe(first.headers.get("location"));
      expect([first.headers.get("idempotent-replayed"), again.headers.get("idempotent-replayed")]).toEqual([
        null,
        "true",
      ]);
      expect([c.name, (await rows(c.table)) - before]).toEqual([c.name, 1]);
    }
  });

  it("refuses the key with another body or on another path (409 IDEMPOTENCY_KEY_REUSED)", async () => {
    const token = user.session.accessToken;
    const key = randomUUID();
    expect((await post("/boards", { title: "one", contents: "c" }, key, token)).status).toBe(201);
    const other = await post("/boards", { title: "two", contents: "c" }, key, token);
    expect([other.status, other.body.error.code]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
    const elsewhere = await post("/chat/rooms", { title: "one" }, key, token);
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
  });

  it("scopes keys per user: another user's same key is another request", async () => {
    const other = await signedInUser(server);
    const key = randomUUID();
    const body = { title: "same", contents: "same" };
    const mine = await post("/boards", body, key, user.session.accessToken);
    const theirs = await post("/boards", body, key, other.session.accessToken);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.author.id).toBe(other.user.id);
  });

  it("stores a 4xx the handler answered, but not a refusal before it ran", async () => {
    const name = `dup-${randomUUID()}`;
    const existing = await admin.client.categories.create({ type: "FRAMEWORK", name });
    const key = randomUUID();
    const body = { type: "FRAMEWORK", name };
    const conflict = await post("/categories", body, key, admin.session.accessToken);
    expect([conflict.status, conflict.body.error.code]).toEqual([409, "CATEGORY_EXISTS"]);
    await admin.client.categories.delete(existing.id);
    const replayed = await post("/categories", body, key, admin.session.accessToken);
    expect([replayed.status, replayed.body.error.code]).toEqual([409, "CATEGORY_EXISTS"]);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");

    // Invalid input never ran: the same key with a valid body runs.
    const invalidKey = randomUUID();
    expect((await post("/boards", { title: "" }, invalidKey, user.session.accessToken)).status).toBe(400);
    expect(
      (await post("/boards", { title: "t", contents: "c" }, invalidKey, user.session.accessToken)).status,
    ).toBe(201);
  });

  it("names a bad key as headers.idempotency-key", async () => {
    const response = await post(
      "/boards",
      { title: "t", contents: "c" },
      "k".repeat(101),
      user.session.accessToken,
    );
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      "headers.idempotency-key",
    ]);
  });

  it("runs 20 concurrent sends of one key once; every one answers the board", async () => {
    const before = await rows("boards");
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        post("/boards", { title: "once", contents: "c" }, key, user.session.accessToken),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await rows("boards")) - before).toBe(1);
  });

  it("creates one board when a response is lost and the call retried with its key", async () => {
    const proxy = await startDroppingProxy(server.url);
    try {
      const send = (key?: string) =>
        fetch(`${proxy.url}/api/v1/boards`, {
          method: "POST",
          ...bearer(
            user.session.accessToken,
            json({ title: "lost answer", contents: "c" }, key ? { "idempotency-key": key } : {}),
          ),
        });
      /** Retries after a lost response, as a client does. */
      const withRetry = async (key?: string) => {
        proxy.drop(1);
        await expect(send(key)).rejects.toThrow();
        return send(key);
      };
      const before = await rows("boards");
      const retried = await withRetry(randomUUID());
      expect([retried.status, retried.headers.get("idempotent-replayed")]).toEqual([201, "true"]);
      expect((await rows("boards")) - before).toBe(1);

      // Without a key the same retry makes a second board: what the key is for.
      await withRetry();
      expect((await rows("boards")) - before).toBe(3);
      expect(proxy.forwarded).toBe(4);
    } finally {
      await proxy.close();
    }
  });

  describe("the store", () => {
    const claim = () => ({ scope: "user:1", key: randomUUID(), fingerprint: "f" });
    const created = { status: 201, body: { id: 1 } };

    it("releases the key after a 5xx, so a retry runs again", async () => {
      const store = new Idempotency(server.container.database, "secret");
      const c = claim();
      let runs = 0;
      await expect(
        store.run(c, async () => {
          runs++;
          throw new ServiceUnavailableError("search", "down");
        }),
      ).rejects.toMatchObject({ status: 503 });
      const succeed = async () => {
        runs++;
        return created;
      };
      expect(await store.run(c, succeed)).toEqual({ ...created, replayed: false });
      expect(await store.run(c, succeed)).toEqual({ ...created, replayed: true });
      expect(runs).toBe(2);
    });

    it("runs a key sent many times at once once, though its claims share one batched insert", async () => {
      const store = new Idempotency(server.container.database, "secret");
      let runs = 0;
      const run = (c: ReturnType<typeof claim>) =>
        store.run(c, async () => {
          runs++;
          return created;
        });
      // The first reservation runs alone; the twenty behind it share the next insert.
      const lead = run(claim());
      const twice = claim();
      const repeats = await Promise.all(Array.from({ length: 20 }, () => run(twice)));
      await lead;
      expect(runs).toBe(2);
      expect(repeats.filter((r) => !r.replayed)).toHaveLength(1);
      for (const r of repeats) expect(r).toMatchObject(created);
      // Outcomes stored together answer each key its own.
      const keys = Array.from({ length: 30 }, () => claim());
      await Promise.all(keys.map((c, i) => store.run(c, async () => ({ status: 201, body: { id: i } }))));
      for (const [i, c] of keys.entries()) {
        expect(await store.run(c, async () => created)).toEqual({
          status: 201,
          body: { id: i },
          replayed: true,
        });
      }
    });

    it("makes a repeat wait for the first; past the wait it is 409 IDEMPOTENCY_KEY_IN_USE", async () => {
      const store = new Idempotency(server.container.database, "secret", { waitMs: 200 });
      const c = claim();
      let finish: () => void = () => {};
      const first = store.run(c, () => new Promise((resolve) => (finish = () => resolve(created))));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(store.run(c, async () => created)).rejects.toMatchObject({
        status: 409,
        code: "IDEMPOTENCY_KEY_IN_USE",
        headers: { "Retry-After": "1" },
      });
      const waiting = new Idempotency(server.container.database, "secret", { waitMs: 30_000 }).run(
        c,
        async () => ({ status: 500, body: "must not run" }),
      );
      finish();
      expect(await first).toEqual({ ...created, replayed: false });
      expect(await waiting).toEqual({ ...created, replayed: true });
    });

    it("takes over a reservation whose request died, and forgets a key once it expired", async () => {
      const db = server.container.database.db;
      const c = claim();
      const now = Date.now();
      await db
        .insertInto("idempotency_keys")
        .values({
          scope: c.scope,
          idempotency_key: c.key,
          fingerprint: c.fingerprint,
          status: null,
          body: null,
          location: null,
          locked_until: now - 1,
          expires_at: now + 60_000,
        })
        .execute();
      const store = new Idempotency(server.container.database, "secret", { ttlMs: 100 });
      expect(await store.run(c, async () => created)).toEqual({ ...created, replayed: false });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const later = { status: 201, body: { id: 2 } };
      expect(await store.run(c, async () => later)).toEqual({ ...later, replayed: false });
    });
  });
});
