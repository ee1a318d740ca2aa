import type { Socket } from "node:net";
import { CodeChef } from "@codechef/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AccessTokens } from "../src/modules/auth/access-tokens.ts";
import { describeEachBackend } from "./support/backends.ts";
import { signedInAdmin, signedInUser } from "./support/factories.ts";
import { collector, connectRaw, eventually, rawStomp } from "./support/realtime.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const errorCode = (frame: string | undefined) => /\ncode:([A-Z_]+)\n/.exec(frame ?? "")?.[1];

describeEachBackend("realtime protocol", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, {
      ALLOWED_ORIGINS: "https://app.example",
      REALTIME_MAX_BUFFERED_BYTES: String(64 * 1024),
      REALTIME_USER_MESSAGES_PER_SECOND: "10000",
      WARNING_THRESHOLD: "1",
    });
  });
  afterAll(() => server?.stop());

  it("answers the v12.stomp subprotocol, negotiates heart-beats and takes ?token= for browsers", async () => {
    const { session } = await signedInUser(server);
    const client = await rawStomp(server, `/ws?token=${session.accessToken}`, {
      origin: "https://app.example",
    });
    expect(client.ws.protocol).toBe("v12.stomp");
    client.frame("STOMP", { "accept-version": "1.0,1.2", "heart-beat": "5000,20000" });
    const connected = await client.next("CONNECTED");
    expect(connected).toContain("version:1.2\n");
    expect(connected).toContain("heart-beat:10000,10000\n");
    client.frame("DISCONNECT", { receipt: "bye" });
    expect(await client.next("RECEIPT")).toContain("receipt-id:bye\n");
    expect((await client.closed).code).toBe(1000);
  });

  it("sends heart-beats at the agreed interval and drops a client that goes silent", async () => {
    const { limits } = server.container.realtime;
    const usual = limits.heartBeatMs;
    limits.heartBeatMs = 100;
    try {
      const { session } = await signedInUser(server);
      const listener = await rawStomp(server);
      listener.frame("CONNECT", {
        "accept-version": "1.2",
        "heart-beat": "0,50",
        Authorization: `Bearer ${session.accessToken}`,
      });
      expect(await listener.next("CONNECTED")).toContain("heart-beat:100,100\n");
      await eventually(
        () => listener.received.filter((frame) => frame === "\n").length,
        (beats) => beats >= 3,
      );
      listener.ws.close();

      const silent = await rawStomp(server);
      silent.frame("CONNECT", {
        "accept-version": "1.2",
        "heart-beat": "50,0",
        Authorization: `Bearer ${session.accessToken}`,
      });
      await silent.next("CONNECTED");
      expect((await silent.closed).code).toBe(1006);
    } finally {
      limits.heartBeatMs = usual;
    }
  });

  it("leaves no session or heart-beat behind when the socket closes during CONNECT", async () => {
    const { session } = await signedInUser(server);
    const { auth } = server.container.services;
    const { hub } = server.container.realtime;
    const authenticate = auth.authenticate;
    const remove = hub.remove;
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let authenticated: Promise<unknown> | undefined;
    auth.authenticate = (token) => {
      authenticated = held.then(() => authenticate.call(auth, token));
      return authenticated as ReturnType<typeof authenticate>;
    };
    let removed!: () => void;
    const closedOnServer = new Promise<void>((resolve) => {
      removed = resolve;
    });
    hub.remove = (gone) => {
      remove.call(hub, gone);
      removed();
    };
    const before = hub.sessionCount;
    try {
      const client = await rawStomp(server);
      client.frame("CONNECT", {
        "accept-version": "1.2",
        "heart-beat": "0,50",
        Authorization: `Bearer ${session.accessToken}`,
      });
      await eventually(() => authenticated !== undefined, Boolean);
      client.ws.terminate();
      await closedOnServer;
      release();
      await authenticated;
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      auth.authenticate = authenticate;
      hub.remove = remove;
    }
    expect(hub.sessionCount).toBe(before);
  });

  it("stops delivering a room to a member who leaves while the SUBSCRIBE is authorised", async () => {
    const host = await signedInUser(server);
    const guest = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "race" });
    await guest.client.chat.rooms.join(room.id);
    const { policy } = server.container.realtime;
    const authorizeSubscribe = policy.authorizeSubscribe;
    let authorised!: () => void;
    const checked = new Promise<void>((resolve) => {
      authorised = resolve;
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    policy.authorizeSubscribe = async (user, destination) => {
      await authorizeSubscribe.call(policy, user, destination);
      if (user.id !== guest.user.id) return;
      authorised();
      await held;
    };
    try {
      const guestClient = await connectRaw(server, guest.session.accessToken);
      guestClient.frame("SUBSCRIBE", { id: "1", destination: `/topic/chat-room.${room.id}`, receipt: "s" });
      await checked;
      const out = collector();
      await host.client.realtime.subscribeRoom(room.id, out.push, { after: 2 });
      await guest.client.chat.rooms.leave(room.id);
      await eventually(
        () => out.messages.map((m) => m.type),
        (types) => types.includes("OUT"),
      );
      release();
      await guestClient.next("RECEIPT");
      await host.client.realtime.send(room.id, { content: "after you left" });
      await eventually(
        () => out.messages.map((m) => m.content),
        (contents) => contents.includes("after you left"),
      );
      guestClient.frame("DISCONNECT", { receipt: "bye" });
      await eventually(
        () => guestClient.received.filter((f) => f.startsWith("RECEIPT")).length,
        (n) => n === 2,
      );
      expect(guestClient.received.filter((f) => f.includes("after you left"))).toEqual([]);
    } finally {
      policy.authorizeSubscribe = authorizeSubscribe;
      await host.client.realtime.disconnect();
    }
  });

  it("refuses a SEND from a user blocked after CONNECT, even if the revocation never reached the session", async () => {
    const host = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "blocked" });
    const client = await connectRaw(server, host.session.accessToken);
    await server.container.database.db
      .updateTable("users")
      .set({ status: "BLOCKED" })
      .where("id", "=", host.user.id)
      .execute();
    client.frame(
      "SEND",
      { destination: `/app/chat-room.${room.id}`, receipt: "r1" },
      JSON.stringify({ content: "still talking" }),
    );
    expect(errorCode(await client.next("ERROR"))).toBe("ACCOUNT_BLOCKED");
    const history = await server.container.database.db
      .selectFrom("chat_messages")
      .select("type")
      .where("room_id", "=", room.id)
      .execute();
    expect(history.map((m) => m.type)).toEqual(["CREATE"]);
  });

  it("stores a burst of SENDs in order with consecutive seqs, a receipt each, up to the first refused one", async () => {
    const host = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "burst" });
    const client = await connectRaw(server, host.session.accessToken);
    const destination = `/app/chat-room.${room.id}`;
    for (let i = 0; i < 40; i++) {
      const body = i === 25 ? "not json" : JSON.stringify({ content: `m${i}` });
      client.frame("SEND", { destination, receipt: `r${i}` }, body);
    }
    const error = await client.next("ERROR");
    expect(errorCode(error)).toBe("INVALID_INPUT");
    expect(error).toContain("receipt-id:r25\n");
    await client.closed;
    const receipts = client.received
      .filter((frame) => frame.startsWith("RECEIPT\n"))
      .map((frame) => /receipt-id:(\w+)/.exec(frame)?.[1]);
    expect(receipts).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
    // Every receipt came before the error.
    expect(client.received.at(-1)).toBe(error);
    const history = await server.container.database.db
      .selectFrom("chat_messages")
      .select(["seq", "type", "content"])
      .where("room_id", "=", room.id)
      .orderBy("seq")
      .execute();
    expect(history.map((m) => Number(m.seq))).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    expect(history.slice(1).map((m) => m.content)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
  });

  it("closes a session whose user is blocked while its CONNECT is authenticated", async () => {
    const admin = await signedInAdmin(server);
    const { user, session } = await signedInUser(server);
    const { auth } = server.container.services;
    const authenticate = auth.authenticate;
    let reached!: () => void;
    const authenticated = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    auth.authenticate = async (token) => {
      const row = await authenticate.call(auth, token);
      if (calls++ === 0) {
        reached();
        await held;
      }
      return row;
    };
    try {
      const client = await rawStomp(server);
      client.frame("CONNECT", { "accept-version": "1.2", Authorization: `Bearer ${session.accessToken}` });
      await authenticated;
      await admin.client.admin.users.warn(user.id, { reason: "spam" });
      release();
      expect(errorCode(await client.next("ERROR"))).toBe("ACCOUNT_BLOCKED");
      expect((await client.closed).code).toBe(1008);
    } finally {
      auth.authenticate = authenticate;
    }
  });

  it("refuses other paths, foreign origins and connections without a valid token", async () => {
    await expect(rawStomp(server, "/other")).rejects.toThrow("HTTP 404");
    await expect(rawStomp(server, "/ws", { origin: "https://evil.example" })).rejects.toThrow("HTTP 403");
    for (const headers of [{}, { Authorization: "Bearer not-a-token" }] as Record<string, string>[]) {
      const client = await rawStomp(server);
      client.frame("CONNECT", { "accept-version": "1.2", ...headers });
      expect(errorCode(await client.next("ERROR"))).toMatch(/UNAUTHENTICATED|TOKEN_INVALID|INVALID_TOKEN/);
      await client.closed;
    }
    const oldVersion = await rawStomp(server);
    oldVersion.frame("CONNECT", { "accept-version": "1.1" });
    expect(errorCode(await oldVersion.next("ERROR"))).toBe("UNSUPPORTED_VERSION");
  });

  it("answers each bad frame with an ERROR and a close, and keeps serving others", async () => {
    const host = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "survivors" });
    const heard = collector();
    await host.client.realtime.subscribeRoom(room.id, heard.push, { after: 1 });
    const stranger = await signedInUser(server);
    const token = stranger.session.accessToken;

    const cases: Array<[string, (c: Awaited<ReturnType<typeof connectRaw>>) => void, string]> = [
      ["garbage", (c) => c.send("hello there"), "MALFORMED_FRAME"],
      ["NUL in the headers", (c) => c.send("SEND\ndestination:/app/chat-room.1\0"), "MALFORMED_FRAME"],
      ["bad escape", (c) => c.send("SEND\ndestination:/a\\t\n\n\0"), "MALFORMED_FRAME"],
      [
        "NUL in a header",
        (c) => c.send("SUBSCRIBE\nid:1\0x\ndestination:/user/queue/notifications\n\n\0"),
        "MALFORMED_FRAME",
      ],
      [
        "missing id",
        (c) => c.frame("SUBSCRIBE", { destination: `/topic/chat-room.${room.id}` }),
        "MISSING_HEADER",
      ],
      ["missing destination", (c) => c.frame("SEND", {}, "{}"), "MISSING_HEADER"],
      ["unknown command", (c) => c.frame("BEGIN", { transaction: "t1" }), "UNSUPPORTED_COMMAND"],
      [
        "oversize",
        (c) => c.frame("SEND", { destination: "/app/x" }, "x".repeat(70 * 1024)),
        "FRAME_TOO_LARGE",
      ],
      [
        "far over the limit",
        (c) => c.frame("SEND", { destination: "/app/x" }, "x".repeat(200 * 1024)),
        "FRAME_TOO_LARGE",
      ],
      ["unknown destination", (c) => c.frame("SUBSCRIBE", { id: "1", destination: "/topic/x" }), "NOT_FOUND"],
      [
        "send to a room you are not in",
        (c) =>
          c.frame("SEND", { destination: `/app/chat-room.${room.id}` }, JSON.stringify({ content: "hi" })),
        "NOT_A_MEMBER",
      ],
      [
        "subscribe to a room you are not in",
        (c) => c.frame("SUBSCRIBE", { id: "1", destination: `/topic/chat-room.${room.id}` }),
        "NOT_A_MEMBER",
      ],
    ];
    for (const [name, act, code] of cases) {
      const client = await connectRaw(server, token);
      act(client);
      expect(errorCode(await client.next("ERROR")), name).toBe(code);
      expect((await client.closed).code, name).toBe(1008);
    }

    await host.client.realtime.send(room.id, { content: "still here" });
    await eventually(
      () => heard.messages.map((m) => m.content),
      (seen) => seen.includes("still here"),
    );
    await host.client.realtime.disconnect();
  });

  it("refuses an empty or oversize chat message", async () => {
    const host = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "limits" });
    for (const content of ["", "x".repeat(2001)]) {
      const client = await connectRaw(server, host.session.accessToken);
      client.frame(
        "SEND",
        { destination: `/app/chat-room.${room.id}`, receipt: "r1" },
        JSON.stringify({ content }),
      );
      const error = await client.next("ERROR");
      expect(errorCode(error)).toBe("INVALID_INPUT");
      expect(error).toContain("receipt-id:r1\n");
    }
    expect((await host.client.chat.rooms.messages(room.id)).items.map((m) => m.type)).toEqual(["CREATE"]);
  });

  it("closes a session that floods frames or subscriptions", async () => {
    const host = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "flood" });
    const flooder = await connectRaw(server, host.session.accessToken);
    for (let i = 0; i < 1000; i++) flooder.frame("UNSUBSCRIBE", { id: String(i) });
    expect(errorCode(await flooder.next("ERROR"))).toBe("RATE_LIMITED");
    await flooder.closed;

    const hoarder = await connectRaw(server, host.session.accessToken);
    for (let i = 0; i <= 100; i++)
      hoarder.frame("SUBSCRIBE", { id: String(i), destination: `/topic/chat-room.${room.id}` });
    expect(errorCode(await hoarder.next("ERROR"))).toBe("TOO_MANY_SUBSCRIPTIONS");
    await hoarder.closed;
  });

  it("drops a client that stops reading once its buffer passes the bound", async () => {
    const host = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "slow" });
    const healthy = collector();
    await host.client.realtime.subscribeRoom(room.id, healthy.push, { after: 1 });

    const slow = await connectRaw(server, host.session.accessToken);
    // Each message reaches the slow client 50 times, to fill the kernel's socket buffers quickly.
    for (let i = 0; i < 50; i++)
      slow.frame("SUBSCRIBE", {
        id: String(i),
        destination: `/topic/chat-room.${room.id}`,
        receipt: `s${i}`,
      });
    await eventually(
      () => slow.received.filter((f) => f.startsWith("RECEIPT")).length,
      (n) => n === 50,
    );
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const sessionsBefore = server.container.realtime.hub.sessionCount;

    let sent = 0;
    while (server.container.realtime.hub.sessionCount === sessionsBefore && sent < 400) {
      await host.client.realtime.send(room.id, { content: `${sent++} ${"x".repeat(1900)}` });
      // Under the session's 100 frames a second, which a fast server would otherwise let this loop pass.
      if (sent % 90 === 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(server.container.realtime.hub.sessionCount).toBe(sessionsBefore - 1);
    socket.resume();
    await slow.closed;
    await eventually(
      () => healthy.messages.length,
      (n) => n === sent,
    );
    await host.client.realtime.disconnect();
  });

  it("reconnects after a lost connection, subscribes again and backfills what it missed, in order", async () => {
    const host = await signedInUser(server);
    const reader = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "flaky" });
    await reader.client.chat.rooms.join(room.id);
    const { hostname, port } = new URL(server.url);
    const proxy = await startTcpProxy(hostname, Number(port));
    try {
      const readerViaProxy = new CodeChef({ baseUrl: `http://127.0.0.1:${proxy.port}`, maxRetries: 0 });
      readerViaProxy.setSession(reader.session);
      const heard = collector();
      await readerViaProxy.realtime.subscribeRoom(room.id, heard.push, { after: 2 });
      await host.client.realtime.send(room.id, { content: "before" });
      await eventually(
        () => heard.messages.length,
        (n) => n === 1,
      );

      const lost = new Promise((resolve) => readerViaProxy.realtime.on("close", resolve));
      proxy.cut();
      await lost;
      const reconnected = new Promise((resolve) => readerViaProxy.realtime.on("connect", resolve));
      for (const text of ["while away 1", "while away 2"])
        await host.client.realtime.send(room.id, { content: text });
      proxy.restore();
      await reconnected;
      await host.client.realtime.send(room.id, { content: "after" });

      await eventually(
        () => heard.messages.length,
        (n) => n === 4,
      );
      expect(heard.messages.map((m) => [m.seq, m.content])).toEqual([
        [3, "before"],
        [4, "while away 1"],
        [5, "while away 2"],
        [6, "after"],
      ]);
      await readerViaProxy.realtime.disconnect();
    } finally {
      await proxy.close();
      await host.client.realtime.disconnect();
    }
  });

  it("refreshes an expired access token before connecting", async () => {
    const user = await signedInUser(server);
    const expired = await new AccessTokens(server.env.JWT_SECRET ?? "", 1).issue(
      user.user.id,
      "old",
      Date.now() - 10_000,
    );
    const stale = server.client();
    stale.setSession({ ...user.session, accessToken: expired });
    await stale.realtime.connect();
    expect(stale.accessToken).not.toBe(expired);
    await stale.realtime.disconnect();
  });

  describe("closing a user's sessions when they log out or are blocked", () => {
    let admin: Awaited<ReturnType<typeof signedInAdmin>>;
    let user: Awaited<ReturnType<typeof signedInUser>>;
    let closed: Promise<void>;
    let errors: string[];
    beforeAll(async () => {
      admin = await signedInAdmin(server);
    });
    beforeEach(async () => {
      user = await signedInUser(server);
      await user.client.realtime.connect();
      closed = new Promise((resolve) => user.client.realtime.on("close", () => resolve()));
      errors = [];
      user.client.realtime.on("error", (error) => errors.push(error.code));
    });

    /** Closed by the time the response is sent (not timed: ordered), and the client hears it. */
    async function expectClosedByTheResponse(): Promise<void> {
      expect(server.container.realtime.hub.sessionsOf(user.user.id)).toBe(0);
      await closed;
    }

    it("when the user logs out", async () => {
      await user.client.auth.logout();
      await expectClosedByTheResponse();
      expect(errors).toEqual(["SESSION_REVOKED"]);
      expect(user.client.realtime.connected).toBe(false);
    });

    it("when the user is blocked", async () => {
      await admin.client.admin.users.warn(user.user.id, { reason: "spam" });
      await expectClosedByTheResponse();
      expect(errors).toEqual(["SESSION_REVOKED"]);
    });
  });
});
