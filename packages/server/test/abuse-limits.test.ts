import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, json } from "./support/community.ts";
import { buildSignup, raw, signedInUser } from "./support/factories.ts";
import { connectRaw } from "./support/realtime.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("write limits", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, {
      RATE_LIMITS: "on",
      TRUST_PROXY: "1",
      RATE_LIMIT_BOARDS_PER_USER: "3/600",
      RATE_LIMIT_BOARDS_PER_ADDRESS: "5/600",
      RATE_LIMIT_COMMENTS_PER_USER: "6/60",
      RATE_LIMIT_ROOMS_PER_USER: "2/600",
      NOTIFICATIONS_PER_ACTOR_PER_HOUR: "3",
    });
  });
  afterAll(() => server?.stop());

  const post = (path: string, token: string, body: unknown, from: string) =>
    raw(server, "POST", `/api/v1${path}`, bearer(token, json(body, { "x-forwarded-for": from })));

  it("answers the board over a user's limit with 429 and Retry-After, whatever the address", async () => {
    const { session } = await signedInUser(server);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 5; i++) {
      const response = await post(
        "/boards",
        session.accessToken,
        { title: `b${i}`, contents: "x" },
        `192.0.2.${i}`,
      );
      statuses.push(response.status);
      if (response.status === 429) refused = response;
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect(refused?.body.error.code).toBe("RATE_LIMITED");
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused?.headers.get("retry-after"))).toBeLessThanOrEqual(600);
  });

  it("limits one address across accounts", async () => {
    const users = [await signedInUser(server), await signedInUser(server), await signedInUser(server)];
    const statuses: number[] = [];
    for (const { session } of users) {
      for (let i = 0; i < 2; i++) {
        statuses.push(
          (await post("/boards", session.accessToken, { title: "t", contents: "c" }, "192.0.2.200")).status,
        );
      }
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it("limits comments and rooms per user", async () => {
    const { session, client } = await signedInUser(server);
    const board = await client.boards.create({ title: "limits", contents: "c" });
    const comments: number[] = [];
    for (let i = 0; i < 8; i++) {
      comments.push(
        (await post(`/boards/${board.id}/comments`, session.accessToken, { contents: "hi" }, "192.0.2.50"))
          .status,
      );
    }
    expect(comments).toEqual([201, 201, 201, 201, 201, 201, 429, 429]);
    const rooms: number[] = [];
    for (let i = 0; i < 3; i++)
      rooms.push((await post("/chat/rooms", session.accessToken, { title: "r" }, "192.0.2.51")).status);
    expect(rooms).toEqual([201, 201, 429]);
  });

  it("exposes the chat-message limit for STOMP sends", async () => {
    const { user } = await signedInUser(server);
    const limits = server.container.writeLimits;
    const outcomes = [];
    for (let i = 0; i < 62; i++) {
      outcomes.push(
        await limits.admit("chatMessages", user.id, "192.0.2.77").then(
          () => "ok",
          (e) => e.status,
        ),
      );
    }
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(60);
    expect(outcomes.slice(60)).toEqual([429, 429]);
  });

  it("collapses one commenter's notifications to a board author past the hourly cap", async () => {
    const author = await signedInUser(server);
    const board = await author.client.boards.create({ title: "popular", contents: "c" });
    for (let n = 0; n < 2; n++) {
      const commenter = await signedInUser(server);
      for (let i = 0; i < 2; i++)
        await commenter.client.comments.create(board.id, { contents: `comment ${i}` });
    }
    const spammer = await signedInUser(server);
    for (let i = 0; i < 6; i++) await spammer.client.comments.create(board.id, { contents: `spam ${i}` });
    const page = await author.client.notifications.list({ limit: 100 });
    const fromSpammer = page.items.filter(
      (n) => (n.payload.author as { id: number } | undefined)?.id === spammer.user.id,
    );
    // Three, then one that says more came, then quiet; the other commenters are under the cap.
    expect(page.items).toHaveLength(8);
    expect(fromSpammer).toHaveLength(4);
    expect(fromSpammer.filter((n) => n.payload.collapsed === true)).toHaveLength(1);
  });
});

describeEachBackend("chat message limits", (backend) => {
  it("limits a user's chat messages across two STOMP sessions", async () => {
    const server = await startTestServer(backend, {
      RATE_LIMITS: "on",
      RATE_LIMIT_CHAT_MESSAGES_PER_USER: "5/60",
    });
    try {
      const { client, session } = await signedInUser(server);
      const room = await client.chat.rooms.create({ title: "busy" });
      const sessions = [
        await connectRaw(server, session.accessToken),
        await connectRaw(server, session.accessToken),
      ];
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) {
        const stomp = sessions[i % 2];
        if (!stomp) throw new Error("no session");
        const body = JSON.stringify({ content: `m${i}` });
        stomp.frame("SEND", { destination: `/app/chat-room.${room.id}`, receipt: `r${i}` }, body);
        const answer = await Promise.race([stomp.next(`RECEIPT\nreceipt-id:r${i}`), stomp.next("ERROR")]);
        answers.push(
          answer?.startsWith("ERROR") ? (/\ncode:([A-Z_]+)\n/.exec(answer)?.[1] ?? "ERROR") : "RECEIPT",
        );
      }
      expect(answers).toEqual(["RECEIPT", "RECEIPT", "RECEIPT", "RECEIPT", "RECEIPT", "RATE_LIMITED"]);
      for (const stomp of sessions) stomp.ws.close();
      const stored = await client.chat.rooms.messages(room.id, { limit: 100 });
      expect(stored.items.filter((m) => m.type === "SEND")).toHaveLength(5);
    } finally {
      await server.stop();
    }
  });
});

describeEachBackend("signup limits", (backend) => {
  it("limits signups per address", async () => {
    const server = await startTestServer(backend, {
      RATE_LIMITS: "on",
      TRUST_PROXY: "1",
      RATE_LIMIT_SIGNUPS_PER_ADDRESS: "3/3600",
    });
    try {
      const signup = (from: string) =>
        raw(server, "POST", "/api/v1/auth/signup", json(buildSignup(), { "x-forwarded-for": from })).then(
          (r) => r.status,
        );
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(await signup("192.0.2.99"));
      expect(statuses).toEqual([201, 201, 201, 429]);
      expect(await signup("192.0.2.100")).toBe(201);
    } finally {
      await server.stop();
    }
  });
});

describeEachBackend("RATE_LIMITS=off", (backend) => {
  it("turns the write limits off, never the login throttle", async () => {
    const server = await startTestServer(backend, {
      RATE_LIMITS: "off",
      RATE_LIMIT_BOARDS_PER_USER: "1/600",
    });
    try {
      const { client, signup } = await signedInUser(server);
      for (let i = 0; i < 3; i++) await client.boards.create({ title: `b${i}`, contents: "c" });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push(
          (
            await raw(
              server,
              "POST",
              "/api/v1/auth/login",
              json({ email: signup.email, password: "wrong wrong" }),
            )
          ).status,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      await server.stop();
    }
  });
});

describe("limit configuration", () => {
  it("has the limits on by default, each from its own variable, and names a bad one", () => {
    const config = loadConfig({ DATA_DIR: "/tmp/x" });
    expect(config.writeLimits.enabled).toBe(true);
    expect(config.writeLimits.boards.perUser).toEqual({ points: 10, seconds: 600 });
    expect(loadConfig({ RATE_LIMIT_COMMENTS_PER_USER: "7/30" }).writeLimits.comments.perUser).toEqual({
      points: 7,
      seconds: 30,
    });
    expect(() => loadConfig({ RATE_LIMIT_ROOMS_PER_ADDRESS: "lots" })).toThrow(
      /RATE_LIMIT_ROOMS_PER_ADDRESS/,
    );
    expect(() => loadConfig({ TRUST_PROXY: "maybe" })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.1, 10.1.0.0/16" }).trustProxy).toEqual([
      "10.0.0.1",
      "10.1.0.0/16",
    ]);
  });
});
