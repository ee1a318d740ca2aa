import { request } from "node:http";
import type { ChatMessage } from "@codechef/contract";
import { CodeChef } from "@codechef/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBroker, serviceUrls } from "./support/backends.ts";
import { buildSignup, signedInUser } from "./support/factories.ts";
import { collector, connectRaw, eventually } from "./support/realtime.ts";
import { startRoundRobin } from "./support/round-robin.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";
import { startWithEnv, type TestServer, testEnvironment } from "./support/test-server.ts";

const portOf = (server: TestServer) => Number(new URL(server.url).port);

/** A POST whose body is sent in two halves: the request is in flight until `finish()` sends the rest. */
async function halfSentPost(server: TestServer, path: string, body: string) {
  const req = request(new URL(path, server.url), {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  });
  const answer = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
    req.on("response", (response) => {
      response.resume();
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }),
      );
    });
    req.on("error", reject);
  });
  await new Promise<void>((resolve) => req.write(body.slice(0, 10), () => resolve()));
  return {
    finish() {
      req.end(body.slice(10));
      return answer;
    },
  };
}

describeWithBroker("SIGTERM: stopping an instance under load", () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let env: Record<string, string>;
  let proxiedEnv: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const broker = new URL(serviceUrls.amqp ?? "");
    proxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
    const environment = await testEnvironment("services");
    ({ env, cleanup } = environment);
    proxiedEnv = { ...env, AMQP_URL: throughProxy(serviceUrls.amqp ?? "", proxy.port) };
    server = await startWithEnv(proxiedEnv);
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await cleanup?.();
  });

  it("refuses new connections, answers what is in flight, tells STOMP clients to reconnect, keeps the outbox", {
    timeout: 60_000,
  }, async () => {
    const host = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "last words" });
    const raw = await connectRaw(server, host.session.accessToken);

    // The broker goes away: what is said now waits in the outbox.
    proxy.cut();
    await eventually(
      () => server.container.outbox.leading,
      (leading) => !leading,
    );
    raw.frame(
      "SEND",
      { destination: `/app/chat-room.${room.id}`, receipt: "kept" },
      JSON.stringify({ content: "kept" }),
    );
    await raw.next("RECEIPT");

    const outboxRows = (server: TestServer) => server.container.outbox.backlog().then((b) => b.rows);
    expect(await outboxRows(server)).toBe(1);

    const inFlight = await halfSentPost(server, "/api/v1/auth/signup", JSON.stringify(buildSignup()));
    const stopped = server.stop();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    const answered = await inFlight.finish();
    expect(answered).toEqual({ status: 201, connection: "close" });

    const error = await raw.next("ERROR");
    expect(error).toMatch(/\ncode:SERVER_SHUTTING_DOWN\n/);
    expect(error).toMatch(/\nstatus:503\n/);
    expect((await raw.closed).code).toBe(1012);
    await stopped;

    // The next instance finds the row the stopped one could not relay, and relays it once the broker is back.
    const next = await startWithEnv(proxiedEnv);
    try {
      expect(await outboxRows(next)).toBe(1);
      const listener = await connectRaw(next, host.session.accessToken);
      listener.frame("SUBSCRIBE", { id: "room", destination: `/topic/chat-room.${room.id}`, receipt: "on" });
      await listener.next("RECEIPT");
      proxy.restore();
      const message = await listener.next("MESSAGE");
      expect(message).toContain('"content":"kept"');
      await eventually(
        () => listener.received.filter((frame) => frame.startsWith("MESSAGE\n")).length,
        (n) => n === 1,
      );
      listener.ws.close();
    } finally {
      await next.stop();
    }
  });
});

describeWithBroker("a rolling restart of two instances behind a balancer, under chat traffic", () => {
  let instances: TestServer[];
  let balancer: Awaited<ReturnType<typeof startRoundRobin>>;
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ env, cleanup } = await testEnvironment("services", {
      REALTIME_MESSAGES_PER_SECOND: "2000",
      REALTIME_USER_MESSAGES_PER_SECOND: "2000",
    }));
    instances = [await startWithEnv(env), await startWithEnv(env)];
    balancer = await startRoundRobin(instances.map(portOf));
  });
  afterAll(async () => {
    for (const instance of instances ?? []) await instance.stop();
    await balancer?.close();
    await cleanup?.();
  });

  it("loses no message and repeats none; the SDK reconnects through the balancer to the instance still up", {
    timeout: 120_000,
  }, async () => {
    const through = () =>
      new CodeChef({ baseUrl: balancer.url, maxRetries: 3, realtime: { reconnectDelayMs: 100 } });
    const host = through();
    const signup = buildSignup();
    await host.auth.signup(signup);
    await host.auth.login({ email: signup.email, password: signup.password });
    const reader = through();
    const readerSignup = buildSignup();
    await reader.auth.signup(readerSignup);
    await reader.auth.login({ email: readerSignup.email, password: readerSignup.password });
    const room = await host.chat.rooms.create({ title: "rolling" });
    const entry = await reader.chat.rooms.join(room.id);
    const heard = collector();
    let readerReconnects = 0;
    reader.realtime.on("connect", () => readerReconnects++);
    await reader.realtime.subscribeRoom(room.id, heard.push, { after: entry.messages.at(-1)?.seq });

    const restart = async (index: number) => {
      const started = Date.now();
      const old = instances[index] as TestServer;
      await old.stop();
      const stoppedMs = Date.now() - started;
      const fresh = await startWithEnv(env);
      instances[index] = fresh;
      balancer.route(instances.map(portOf));
      return stoppedMs;
    };

    const total = 300;
    let retries = 0;
    const restarts: Promise<number>[] = [];
    for (let i = 0; i < total; i++) {
      if (i === 100) restarts.push(restart(0));
      if (i === 200) restarts.push(restarts[0]?.then(() => restart(1)) as Promise<number>);
      for (;;) {
        try {
          await host.realtime.send(room.id, { content: `message ${i}` });
          break;
        } catch {
          // Not stored (no receipt came): the SDK is reconnecting, to whichever instance answers.
          retries++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
    const stopTimes = await Promise.all(restarts);
    const firstSeq = (entry.messages.at(-1)?.seq ?? 0) + 1;
    await eventually(
      () => heard.messages.at(-1)?.seq,
      (seq) => seq === firstSeq + total - 1,
      30_000,
    );

    const sent = Array.from({ length: total }, (_, i) => `message ${i}`);
    expect(heard.messages.map((m) => m.content)).toEqual(sent);
    expect(heard.messages.map((m) => m.seq)).toEqual(sent.map((_, i) => firstSeq + i));
    const history: ChatMessage[] = [];
    for await (const message of reader.chat.rooms.messages(room.id, { after: entry.messages.at(-1)?.seq }))
      history.push(message);
    expect(history.map((m) => m.content)).toEqual(sent);
    expect(readerReconnects).toBeGreaterThanOrEqual(2);
    console.info(
      `rolling restart: ${total} messages, each stored and heard once in order; ${retries} sends retried, ` +
        `the reader connected ${readerReconnects} times, instances stopped in ${stopTimes.join(" and ")} ms`,
    );
    await host.realtime.disconnect();
    await reader.realtime.disconnect();
  });
});
