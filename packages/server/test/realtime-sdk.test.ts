import { type AddressInfo, createServer, type Socket } from "node:net";
import type { Notification } from "@codechef/contract";
import { CodeChef, ConnectionError, type Realtime, type RealtimeError } from "@codechef/sdk";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeEachBackend } from "./support/backends.ts";
import { signedInAdmin, signedInUser } from "./support/factories.ts";
import { collector, eventually } from "./support/realtime.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("realtime SDK client", (backend) => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let cleanUps: (() => Promise<unknown>)[];
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());
  afterEach(async () => {
    for (const cleanUp of cleanUps) await cleanUp();
  });

  /** A signed-in reader whose realtime connection runs through a proxy the test can cut. */
  async function readerViaProxy(options: { connectionTimeoutMs?: number } = {}) {
    const { hostname, port } = new URL(server.url);
    proxy = await startTcpProxy(hostname, Number(port));
    const reader = await signedInUser(server);
    const client = new CodeChef({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      maxRetries: 0,
      realtime: { reconnectDelayMs: 50, ...options },
    });
    client.setSession(reader.session);
    const { realtime } = client;
    cleanUps = [() => realtime.disconnect(), () => proxy.close()];
    return { reader, realtime };
  }

  /** Cuts the connection and lets the client back in; resolves once it is connected again. */
  async function reconnect(realtime: Realtime): Promise<void> {
    const lost = new Promise((resolve) => realtime.on("close", resolve));
    const back = new Promise((resolve) => realtime.on("connect", resolve));
    proxy.cut();
    await lost;
    proxy.restore();
    await back;
  }

  it("drops a room left elsewhere after a reconnect, tells its owner, and keeps other rooms and notifications", async () => {
    const host = await signedInUser(server);
    const admin = await signedInAdmin(server);
    const { reader, realtime } = await readerViaProxy();
    const left = await host.client.chat.rooms.create({ title: "left over REST" });
    const kept = await host.client.chat.rooms.create({ title: "kept" });
    for (const room of [left, kept]) await reader.client.chat.rooms.join(room.id);
    const ended: RealtimeError[] = [];
    await realtime.subscribeRoom(left.id, () => {}, { after: 2, onError: (error) => ended.push(error) });
    const heard = collector();
    await realtime.subscribeRoom(kept.id, heard.push, { after: 2 });
    const notes: Notification[] = [];
    await realtime.subscribeNotifications((note) => notes.push(note));
    const errors: string[] = [];
    realtime.on("error", (error) => errors.push(error.code));
    let connects = 0;
    realtime.on("connect", () => connects++);
    await reader.client.chat.rooms.leave(left.id);

    await reconnect(realtime);
    // The server closes the connection with its ERROR; the client comes back once more without the room.
    await eventually(
      () => connects,
      (n) => n === 2,
    );
    expect(ended.map((error) => error.code)).toEqual(["NOT_A_MEMBER"]);
    // Frames are handled in order, so once this SEND is stored the SUBSCRIBEs before it are in place.
    await realtime.send(kept.id, { content: "still heard" });
    await admin.client.admin.announcements.create({ title: "still here", body: "notifications flow" });
    await eventually(
      () => notes.length,
      (n) => n === 1,
    );
    await eventually(
      () => heard.messages.map((m) => m.content),
      (contents) => contents.includes("still heard"),
    );
    expect(errors).toEqual(["NOT_A_MEMBER"]);
    expect(realtime.connected).toBe(true);
    await host.client.realtime.disconnect();
  });

  it("keeps a second subscription to a room when the first one ends, across a reconnect", async () => {
    const host = await signedInUser(server);
    const { reader, realtime } = await readerViaProxy();
    const room = await host.client.chat.rooms.create({ title: "twice" });
    await reader.client.chat.rooms.join(room.id);
    const first = collector();
    const second = collector();
    const firstSubscription = await realtime.subscribeRoom(room.id, first.push, { after: 2 });
    await realtime.subscribeRoom(room.id, second.push, { after: 2 });
    await host.client.realtime.send(room.id, { content: "to both" });
    await eventually(
      () => [first.messages.length, second.messages.length],
      ([a, b]) => a === 1 && b === 1,
    );
    firstSubscription.unsubscribe();

    await reconnect(realtime);
    await host.client.realtime.send(room.id, { content: "after reconnect" });
    await eventually(
      () => second.messages.map((m) => m.content),
      (contents) => contents.includes("after reconnect"),
    );
    expect(second.messages.map((m) => m.content)).toEqual(["to both", "after reconnect"]);
    expect(first.messages.map((m) => m.content)).toEqual(["to both"]);
    await host.client.realtime.disconnect();
  });

  it("rejects connect() when the server cannot be reached, then connects in the background", async () => {
    const host = await signedInUser(server);
    const { reader, realtime } = await readerViaProxy();
    const room = await host.client.chat.rooms.create({ title: "later" });
    await reader.client.chat.rooms.join(room.id);
    proxy.cut();
    await expect(realtime.connect()).rejects.toBeInstanceOf(ConnectionError);
    await expect(realtime.subscribeRoom(room.id, () => {})).rejects.toBeInstanceOf(ConnectionError);

    const back = new Promise((resolve) => realtime.on("connect", resolve));
    proxy.restore();
    await back;
    const heard = collector();
    await realtime.subscribeRoom(room.id, heard.push, { after: 2 });
    await host.client.realtime.send(room.id, { content: "once back" });
    await eventually(
      () => heard.messages.map((m) => m.content),
      (contents) => contents.join() === "once back",
    );
    await host.client.realtime.disconnect();
  });

  it("rejects connect() when the server does not answer within the connection timeout", async () => {
    const accepted = new Set<Socket>();
    const silent = createServer((socket) => accepted.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const client = new CodeChef({
      baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      realtime: { connectionTimeoutMs: 200 },
    });
    client.setSession((await signedInUser(server)).session);
    const { realtime } = client;
    cleanUps = [
      () => realtime.disconnect(),
      () => {
        for (const socket of accepted) socket.destroy();
        return new Promise((resolve) => silent.close(resolve));
      },
    ];
    const error = await realtime.connect().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/200 ms/);
  });
});
