import type { ChatMessage, Notification, Session } from "@codechef/contract";
import { CodeChef } from "@codechef/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { describeWithBroker, serviceUrls } from "./support/backends.ts";
import { signedInAdmin, signedInUser } from "./support/factories.ts";
import { collector, eventually, until } from "./support/realtime.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";
import { startWithEnv, type TestServer, testEnvironment } from "./support/test-server.ts";

/** The same signed-in user, talking to another instance. */
function on(server: TestServer, session: Session): CodeChef {
  const other = server.client();
  other.setSession(session);
  return other;
}

const seqs = (messages: ChatMessage[]) => messages.map((m) => m.seq);

/** Two instances on one environment, the second reaching RabbitMQ through a proxy the test controls. */
async function startPairWithProxiedBroker() {
  const broker = new URL(serviceUrls.amqp ?? "");
  const proxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
  const environment = await testEnvironment("services");
  const steady = await startWithEnv(environment.env);
  const proxied = await startWithEnv({
    ...environment.env,
    AMQP_URL: throughProxy(serviceUrls.amqp ?? "", proxy.port),
  });
  return {
    steady,
    proxied,
    proxy,
    async stop() {
      proxy.restore();
      await proxied.stop();
      await steady.stop();
      await proxy.close();
      await environment.cleanup();
    },
  };
}

describeWithBroker("two server instances on one MariaDB, Redis and RabbitMQ", () => {
  let a: TestServer;
  let b: TestServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const environment = await testEnvironment("services");
    cleanup = environment.cleanup;
    a = await startWithEnv(environment.env);
    b = await startWithEnv(environment.env);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await cleanup?.();
  });

  it("reports the bus in /ready", async () => {
    const ready = await fetch(`${a.url}/ready`).then((r) => r.json());
    expect(ready).toMatchObject({ status: "ready", services: { database: "up", rabbitmq: "up" } });
  });

  it("delivers a message sent through A to a subscriber on B, once", async () => {
    const host = await signedInUser(a);
    const guest = await signedInUser(a);
    const room = await host.client.chat.rooms.create({ title: "across" });
    await guest.client.chat.rooms.join(room.id);
    const guestOnB = on(b, guest.session);
    const heard = collector();
    await guestOnB.realtime.subscribeRoom(room.id, heard.push, { after: 2 });

    for (const text of ["one", "two", "three"]) await host.client.realtime.send(room.id, { content: text });
    await eventually(
      () => heard.messages.length,
      (n) => n === 3,
    );
    expect(heard.messages.map((m) => [m.seq, m.content])).toEqual([
      [3, "one"],
      [4, "two"],
      [5, "three"],
    ]);
    await host.client.realtime.disconnect();
    await guestOnB.realtime.disconnect();
  });

  it("delivers a notification caused on A to its user on B", async () => {
    const admin = await signedInAdmin(a);
    const user = await signedInUser(a);
    const userOnB = on(b, user.session);
    const live: Notification[] = [];
    await userOnB.realtime.subscribeNotifications((n) => live.push(n));

    const own = await a.container.database.transaction((tx) =>
      a.container.services.notifications.notify(tx, user.user.id, "COMMENT", { boardId: 9 }),
    );
    const announcement = await admin.client.admin.announcements.create({ title: "hello", body: "all" });

    await eventually(
      () => live.length,
      (n) => n === 2,
    );
    expect(live).toEqual([own, announcement]);
    await userOnB.realtime.disconnect();
  });

  describe("a logout through A", () => {
    let user: Awaited<ReturnType<typeof signedInUser>>;
    let closed: Promise<void>;
    beforeEach(async () => {
      user = await signedInUser(a);
      const userOnB = on(b, user.session);
      await userOnB.realtime.connect();
      closed = new Promise((resolve) => userOnB.realtime.on("close", () => resolve()));
    });

    it("closes the user's session on B too, through the bus", async () => {
      await user.client.auth.logout();
      await closed;
      expect(b.container.realtime.hub.sessionsOf(user.user.id)).toBe(0);
    });
  });
});

describeWithBroker("a logout while one instance's broker link hangs", () => {
  let pair: Awaited<ReturnType<typeof startPairWithProxiedBroker>>;
  let hanging: TestServer;
  let steady: TestServer;
  let proxy: typeof pair.proxy;
  beforeAll(async () => {
    pair = await startPairWithProxiedBroker();
    ({ proxied: hanging, steady, proxy } = pair);
  });
  afterAll(() => pair?.stop());

  it("answers without waiting on the broker, closes the local session before answering, the other's later", async () => {
    const user = await signedInUser(hanging);
    await user.client.realtime.connect();
    const userOnSteady = on(steady, user.session);
    await userOnSteady.realtime.connect();
    let closedHere = 0;
    let closedThere = 0;
    user.client.realtime.on("close", () => {
      closedHere = Date.now();
    });
    userOnSteady.realtime.on("close", () => {
      closedThere = Date.now();
    });

    proxy.freeze();
    // A deadline below the broker's 5 s confirm timeout: a logout that waited on the broker fails here.
    const impatient = new CodeChef({ baseUrl: hanging.url, maxRetries: 0, timeoutMs: 4000 });
    impatient.setSession(user.session);
    await impatient.auth.logout();
    expect(hanging.container.realtime.hub.sessionsOf(user.user.id)).toBe(0);
    await eventually(
      () => closedHere,
      (at) => at > 0,
    );
    await eventually(
      () => closedThere,
      (at) => at > 0,
    );
    proxy.restore();
  });
});

describeWithBroker("a broker outage during a chat", () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  beforeAll(async () => {
    const broker = new URL(serviceUrls.amqp ?? "");
    proxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
    const { env, cleanup } = await testEnvironment("services", {
      AMQP_URL: throughProxy(serviceUrls.amqp ?? "", proxy.port),
      REALTIME_MESSAGES_PER_SECOND: "2000",
      REALTIME_USER_MESSAGES_PER_SECOND: "2000",
    });
    server = await startWithEnv(env, cleanup);
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
  });

  it("loses nothing, resumes live delivery and shows no duplicate", { timeout: 120_000 }, async () => {
    const host = await signedInUser(server);
    const reader = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "outage" });
    const entry = await reader.client.chat.rooms.join(room.id);
    const heard = collector();
    await reader.client.realtime.subscribeRoom(room.id, heard.push, { after: entry.messages.at(-1)?.seq });

    const total = 1000;
    for (let i = 0; i < total; i++) {
      if (i === 300) {
        proxy.cut();
        await until(async () => (await fetch(`${server.url}/ready`)).status === 503);
      }
      if (i === 600) proxy.restore();
      await host.client.realtime.send(room.id, { content: `message ${i}` });
    }
    const lastSeq = 2 + total;
    await eventually(
      () => heard.messages.at(-1)?.seq,
      (seq) => seq === lastSeq,
      60_000,
    );

    const history: ChatMessage[] = [];
    for await (const message of host.client.chat.rooms.messages(room.id, { after: 0 })) history.push(message);
    expect(seqs(history)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(history.filter((m) => m.type === "SEND").map((m) => m.content)).toEqual(
      Array.from({ length: total }, (_, i) => `message ${i}`),
    );
    expect(seqs(heard.messages)).toEqual(Array.from({ length: total }, (_, i) => i + 3));

    await host.client.realtime.send(room.id, { content: "after the storm" });
    await eventually(
      () => heard.messages.at(-1)?.content,
      (content) => content === "after the storm",
    );
    expect(new Set(seqs(heard.messages)).size).toBe(heard.messages.length);
    await host.client.realtime.disconnect();
    await reader.client.realtime.disconnect();
  });
});

describeWithBroker("one instance's broker link dropping while another carries on", () => {
  let pair: Awaited<ReturnType<typeof startPairWithProxiedBroker>>;
  let steady: TestServer;
  let dropped: TestServer;
  let proxy: typeof pair.proxy;
  beforeAll(async () => {
    pair = await startPairWithProxiedBroker();
    ({ proxied: dropped, steady, proxy } = pair);
  });
  afterAll(() => pair?.stop());

  it("delivers live what was said meanwhile once the link is back, with no later message needed", async () => {
    const host = await signedInUser(steady);
    const guest = await signedInUser(steady);
    const room = await host.client.chat.rooms.create({ title: "away" });
    const entry = await guest.client.chat.rooms.join(room.id);
    const guestOnDropped = on(dropped, guest.session);
    const heard = collector();
    await guestOnDropped.realtime.subscribeRoom(room.id, heard.push, { after: entry.messages.at(-1)?.seq });
    const ready = async () => (await fetch(`${dropped.url}/ready`)).status === 200;

    proxy.cut();
    await until(async () => !(await ready()));
    for (const text of ["while", "you", "were", "away"])
      await host.client.realtime.send(room.id, { content: text });
    proxy.restore();
    await until(ready);

    await eventually(
      () => heard.messages.length,
      (n) => n === 4,
    );
    expect(heard.messages.map((m) => m.content)).toEqual(["while", "you", "were", "away"]);
    await host.client.realtime.disconnect();
    await guestOnDropped.realtime.disconnect();
  });
});
