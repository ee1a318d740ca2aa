import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { type ChatMessage, CodeChef, type Fetch, type Notification, RealtimeError } from "../src/index.ts";

interface StompSession {
  ws: WebSocket;
  authorization: string | undefined;
  /** Subscription id by destination. */
  subscriptions: Map<string, string>;
}

type Headers = Record<string, string>;

const frame = (command: string, headers: Headers = {}, body = "") =>
  `${command}\n${Object.entries(headers)
    .map(([name, value]) => `${name}:${value}\n`)
    .join("")}\n${body}\0`;

/**
 * A minimal STOMP 1.2 server: CONNECT, SUBSCRIBE with receipts, MESSAGE on demand, ERROR then close.
 * `onSubscribe` runs once a subscription is registered, before its RECEIPT; false refuses it.
 */
async function fakeStompServer(
  onSubscribe: (session: StompSession, headers: Headers) => boolean = () => true,
) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: () => "v12.stomp" });
  await new Promise((resolve) => server.once("listening", resolve));
  const sessions: StompSession[] = [];
  let messageIds = 0;
  server.on("connection", (ws) => {
    const session: StompSession = { ws, authorization: undefined, subscriptions: new Map() };
    ws.on("message", (data) => {
      for (const text of data.toString().split("\0")) {
        const [head = ""] = text.replace(/^\n+/, "").split("\n\n");
        const [command, ...lines] = head.split("\n");
        if (!command) continue;
        const headers = Object.fromEntries(
          lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]),
        );
        if (command === "CONNECT") {
          session.authorization = headers.Authorization;
          sessions.push(session);
          ws.send(frame("CONNECTED", { version: "1.2", "heart-beat": "0,0" }));
          continue;
        }
        if (command === "SUBSCRIBE" && headers.destination && headers.id) {
          session.subscriptions.set(headers.destination, headers.id);
          if (!onSubscribe(session, headers)) {
            session.subscriptions.delete(headers.destination);
            continue;
          }
        }
        if (headers.receipt) ws.send(frame("RECEIPT", { "receipt-id": headers.receipt }));
      }
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sessions,
    publish(destination: string, body: unknown) {
      for (const { ws, subscriptions } of sessions) {
        const subscription = subscriptions.get(destination);
        if (subscription && ws.readyState === WebSocket.OPEN)
          ws.send(
            frame(
              "MESSAGE",
              { subscription, destination, "message-id": `m${++messageIds}` },
              JSON.stringify(body),
            ),
          );
      }
    },
    error(session: StompSession, headers: Headers) {
      session.ws.send(frame("ERROR", headers));
      session.ws.close();
    },
    close: () => {
      for (const { ws } of sessions) ws.terminate();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const message = (seq: number): ChatMessage => ({
  id: seq,
  roomId: 5,
  seq,
  type: "SEND",
  sender: { id: 1, nickname: "a" },
  content: `m${seq}`,
  createdAt: "2026-01-01T00:00:00.000Z",
});
const notification = (id: number): Notification => ({
  id,
  type: "COMMENT",
  payload: {},
  readAt: null,
  createdAt: "2026-01-01T00:00:00.000Z",
});

/** The REST side: a room's stored messages, stored notifications, and a refresh that issues "fresh". */
function restApi() {
  const state = { messages: [message(1)], notifications: [notification(10)], refreshes: 0 };
  const fetch: Fetch = async (url) => {
    const { pathname, searchParams } = new URL(url);
    let body: unknown;
    if (pathname.endsWith("/auth/refresh")) {
      state.refreshes++;
      const user = { id: 1, email: "a@example.com", nickname: "a", career: "WORKING", role: "USER" };
      body = { accessToken: "fresh", refreshToken: `r${state.refreshes + 1}`, expiresIn: 900, user };
    } else if (pathname.endsWith("/chat/rooms/5/messages")) {
      const after = Number(searchParams.get("after") ?? 0);
      body = { items: state.messages.filter((m) => m.seq > after), nextCursor: null };
    } else if (pathname.endsWith("/notifications")) {
      const limit = Number(searchParams.get("limit") ?? 20);
      const newestFirst = [...state.notifications].sort((a, b) => b.id - a.id);
      body = { items: newestFirst.slice(0, limit), nextCursor: null };
    } else {
      return new Response(null, { status: 404 });
    }
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { state, fetch };
}

describe("realtime", () => {
  let cleanUps: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.reverse()) await cleanUp();
    cleanUps = [];
  });

  it("on TOKEN_EXPIRED refreshes, reconnects with the new token and misses no message or notification", async () => {
    const stomp = await fakeStompServer();
    const rest = restApi();
    const client = new CodeChef({
      baseUrl: stomp.url,
      token: "old",
      refreshToken: "r1",
      fetch: rest.fetch,
      realtime: { reconnectDelayMs: 20 },
    });
    cleanUps.push(stomp.close, () => client.realtime.disconnect());
    const heard: number[] = [];
    const notes: number[] = [];
    const errors: RealtimeError[] = [];
    client.realtime.on("error", (error) => errors.push(error));
    await client.realtime.subscribeRoom(5, (m) => heard.push(m.seq), { after: 0 });
    await client.realtime.subscribeNotifications((n) => notes.push(n.id));
    expect(heard).toEqual([1]);

    rest.state.messages.push(message(2));
    stomp.publish("/topic/chat-room.5", message(2));
    rest.state.notifications.push(notification(11));
    stomp.publish("/user/queue/notifications", notification(11));
    await vi.waitFor(() => expect(notes).toEqual([11]));

    const back = new Promise((resolve) => client.realtime.on("connect", resolve));
    const [first] = stomp.sessions;
    if (!first) throw new Error("no session");
    stomp.error(first, { code: "TOKEN_EXPIRED", message: "access token expired" });
    rest.state.messages.push(message(3), message(4));
    rest.state.notifications.push(notification(12));
    await back;

    expect(stomp.sessions.map((s) => s.authorization)).toEqual(["Bearer old", "Bearer fresh"]);
    expect(rest.state.refreshes).toBe(1);
    expect(errors.map((e) => [e.status, e.code])).toEqual([[401, "TOKEN_EXPIRED"]]);
    await vi.waitFor(() => expect(stomp.sessions[1]?.subscriptions.size).toBe(2));
    rest.state.messages.push(message(5));
    stomp.publish("/topic/chat-room.5", message(5));
    rest.state.notifications.push(notification(13));
    stomp.publish("/user/queue/notifications", notification(13));
    await vi.waitFor(() => {
      expect(heard).toEqual([1, 2, 3, 4, 5]);
      expect(notes).toEqual([11, 12, 13]);
    });
  });

  it("holds live notifications until the catch-up after a reconnect is done, and delivers each once in id order", async () => {
    const stomp = await fakeStompServer(() => {
      // On the second connection, one that is also waiting in REST arrives live before the RECEIPT.
      if (stomp.sessions.length === 2) stomp.publish("/user/queue/notifications", notification(12));
      return true;
    });
    const rest = restApi();
    const client = new CodeChef({
      baseUrl: stomp.url,
      token: "t",
      fetch: rest.fetch,
      realtime: { reconnectDelayMs: 20 },
    });
    cleanUps.push(stomp.close, () => client.realtime.disconnect());
    const notes: number[] = [];
    await client.realtime.subscribeNotifications((n) => notes.push(n.id), { after: 8 });
    await vi.waitFor(() => expect(notes).toEqual([10]));

    const back = new Promise((resolve) => client.realtime.on("connect", resolve));
    stomp.sessions[0]?.ws.terminate();
    rest.state.notifications.push(notification(11), notification(12));
    await back;
    await vi.waitFor(() => expect(notes).toEqual([10, 11, 12]));
    rest.state.notifications.push(notification(13));
    stomp.publish("/user/queue/notifications", notification(13));
    await vi.waitFor(() => expect(notes).toEqual([10, 11, 12, 13]));
  });

  it("gives ERROR frames the status and code a REST error would have", async () => {
    const stomp = await fakeStompServer((session, headers) => {
      const closed = headers.destination === "/topic/chat-room.7";
      stomp.error(session, {
        code: closed ? "ROOM_CLOSED" : "NOT_A_MEMBER",
        message: "refused",
        "receipt-id": headers.receipt ?? "",
        ...(closed && { status: "409" }),
      });
      return false;
    });
    const rest = restApi();
    const client = new CodeChef({
      baseUrl: stomp.url,
      token: "t",
      fetch: rest.fetch,
      realtime: { reconnectDelayMs: 20 },
    });
    cleanUps.push(stomp.close, () => client.realtime.disconnect());
    let connects = 0;
    client.realtime.on("connect", () => connects++);
    const member = await client.realtime.subscribeRoom(6, () => {}, { after: 0 }).catch((e: unknown) => e);
    expect(member).toBeInstanceOf(RealtimeError);
    expect(member).toMatchObject({ status: 403, code: "NOT_A_MEMBER", message: "refused" });
    await vi.waitFor(() => expect(connects).toBe(2)); // the ERROR closed the connection; it comes back
    const closed = await client.realtime.subscribeRoom(7, () => {}, { after: 0 }).catch((e: unknown) => e);
    expect(closed).toMatchObject({ status: 409, code: "ROOM_CLOSED" });
  });
});
