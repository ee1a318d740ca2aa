import type { ChatMessage, Session } from "@codechef/contract";
import type { CodeChef } from "@codechef/sdk";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { MemoryBus } from "../src/adapters/memory/memory-bus.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
import type { Logger } from "../src/logger.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import type { BusMessage, BusTopic, MessageBus } from "../src/ports.ts";
import { describeEachBackend, describeWithBroker, serviceUrls } from "./support/backends.ts";
import { signedInUser } from "./support/factories.ts";
import { connectRaw, eventually } from "./support/realtime.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";
import { startWithEnv, type TestServer, testEnvironment } from "./support/test-server.ts";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const numbered = (count: number) => Array.from({ length: count }, (_, i) => ({ n: i + 1 }));

/**
 * One instance's link to a shared bus. `hang()` makes publishes and pings wait, as on a frozen socket, until
 * `fail()` rejects them (as a confirm timeout would).
 */
class Link implements MessageBus {
  readonly name = "bus";
  publishes = 0;
  readonly #shared: MessageBus;
  #hung: ((error: Error) => void)[] | undefined;
  constructor(shared: MessageBus) {
    this.#shared = shared;
  }
  hang(): void {
    this.#hung = [];
  }
  fail(): void {
    for (const reject of this.#hung ?? []) reject(new Error("confirm timed out"));
    this.#hung = undefined;
  }
  #wait(): Promise<never> {
    return new Promise((_, reject) => this.#hung?.push(reject));
  }
  async publish(topic: BusTopic, message: BusMessage): Promise<void> {
    this.publishes++;
    if (this.#hung) return this.#wait();
    return this.#shared.publish(topic, message);
  }
  subscribe(): void {}
  async ping(): Promise<void> {
    if (this.#hung) return this.#wait();
  }
  async close(): Promise<void> {}
}

describeEachBackend("the outbox relay lease", (backend) => {
  let databases: SqlDatabase[];
  let shared: MemoryBus;
  let taken: unknown[];
  let links: Link[];
  let outboxes: Outbox[] = [];
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const environment = await testEnvironment(backend);
    cleanup = environment.cleanup;
    const url = environment.env.DATABASE_URL ?? `sqlite:${environment.env.DATA_DIR}/lease.db`;
    const first = openDatabase(url);
    // SQLite is one process: a second handle on the file would block the event loop waiting for the first.
    databases = [first, backend === "services" ? openDatabase(url) : first];
    await migrateToLatest(first.db);
  });
  afterEach(async () => {
    for (const link of links) link.fail();
    for (const outbox of outboxes) await outbox.stop();
  });
  afterAll(async () => {
    for (const database of new Set(databases)) await database.close();
    await cleanup?.();
  });

  /** Two instances on one database and one bus; the first has the lease before the second starts. */
  async function twoInstances() {
    shared = new MemoryBus();
    taken = [];
    shared.subscribe((_, message) => taken.push(message.body));
    links = databases.map(() => new Link(shared));
    const first = new Outbox(databases[0]?.db as never, links[0] as Link, silent);
    await eventually(() => first.leading, Boolean);
    const second = new Outbox(databases[1]?.db as never, links[1] as Link, silent);
    outboxes = [first, second];
    return outboxes;
  }

  async function enqueueAlternately(bodies: { n: number }[]) {
    for (const [i, body] of bodies.entries()) {
      const instance = i % 2;
      await databases[instance]?.transaction((tx) => outboxes[instance]?.enqueue(tx, "chat", body) as never);
    }
  }

  it("lets one instance relay: every row once, in id order, whichever instance committed it", async () => {
    const [first, second] = await twoInstances();
    const bodies = numbered(40);
    await enqueueAlternately(bodies);
    await eventually(
      () => taken.length,
      (n) => n === bodies.length,
    );
    expect(taken).toEqual(bodies);
    expect([first?.leading, second?.leading]).toEqual([true, false]);
    expect(links.map((link) => link.publishes)).toEqual([bodies.length, 0]);
  });

  it("hands the lease to the other instance when the holder's bus hangs, and loses nothing", async () => {
    const [first, second] = await twoInstances();
    await enqueueAlternately(numbered(10));
    await eventually(
      () => taken.length,
      (n) => n === 10,
    );
    const link = links[0] as Link;
    link.hang();
    const frozeAt = Date.now();
    const more = numbered(30).slice(10);
    await enqueueAlternately(more);
    await eventually(() => second?.leading, Boolean);
    const takeoverMs = Date.now() - frozeAt;
    await eventually(
      () => taken.length,
      (n) => n >= 30,
    );
    expect(first?.leading).toBe(false);
    // The hung instance published at most the one row it is stuck on, which the other relayed too.
    expect(taken).toEqual(numbered(30));
    expect(takeoverMs).toBeLessThan(10_000);
  });

  it("hands the lease on at once when its holder stops", async () => {
    const [first, second] = await twoInstances();
    await first?.stop();
    await eventually(() => second?.leading, Boolean, 3000);
    await databases[1]?.transaction((tx) => second?.enqueue(tx, "chat", { n: 1 }) as never);
    await eventually(
      () => taken,
      (bodies) => bodies.length === 1,
    );
  });
});

/** Frames of a raw STOMP client, parsed: each MESSAGE's body as a chat message. */
function chatMessages(frames: string[]): ChatMessage[] {
  return frames
    .filter((frame) => frame.startsWith("MESSAGE\n"))
    .map((frame) => JSON.parse(frame.slice(frame.indexOf("\n\n") + 2).replace(/\0\s*$/, "")) as ChatMessage);
}

describeWithBroker("two instances, the relay's broker link freezing under chat traffic", () => {
  let leader: TestServer;
  let follower: TestServer;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const broker = new URL(serviceUrls.amqp ?? "");
    proxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
    const environment = await testEnvironment("services", {
      REALTIME_MESSAGES_PER_SECOND: "2000",
      REALTIME_USER_MESSAGES_PER_SECOND: "2000",
    });
    cleanup = environment.cleanup;
    // Started first, the proxied instance takes the lease.
    leader = await startWithEnv({
      ...environment.env,
      AMQP_URL: throughProxy(serviceUrls.amqp ?? "", proxy.port),
    });
    await eventually(() => leader.container.outbox.leading, Boolean);
    follower = await startWithEnv(environment.env);
  });
  afterAll(async () => {
    proxy?.restore();
    await leader?.stop();
    await follower?.stop();
    await proxy?.close();
    await cleanup?.();
  });

  it("moves the relay to the other instance within seconds; a raw client sees every message once, in seq order", {
    timeout: 120_000,
  }, async () => {
    const host = await signedInUser(follower);
    const reader = await signedInUser(follower);
    const room = await host.client.chat.rooms.create({ title: "takeover" });
    const entry = await reader.client.chat.rooms.join(room.id);
    const firstSeq = (entry.messages.at(-1)?.seq ?? 0) + 1;
    const raw = await connectRaw(follower, reader.session.accessToken);
    raw.frame("SUBSCRIBE", { id: "room", destination: `/topic/chat-room.${room.id}`, receipt: "subscribed" });
    await raw.next("RECEIPT");
    const onLeader = (session: Session): CodeChef => {
      const client = leader.client();
      client.setSession(session);
      return client;
    };
    const senders = [host.client, onLeader(host.session)];

    const total = 300;
    let frozeAt = 0;
    let takeoverMs = 0;
    for (let i = 0; i < total; i++) {
      if (i === 100) {
        proxy.freeze();
        frozeAt = Date.now();
        void eventually(() => follower.container.outbox.leading, Boolean, 30_000).then(() => {
          takeoverMs = Date.now() - frozeAt;
        });
      }
      await senders[i % 2]?.realtime.send(room.id, { content: `message ${i}` });
    }
    const lastSeq = firstSeq + total - 1;
    await eventually(
      () => chatMessages(raw.received).at(-1)?.seq,
      (seq) => seq === lastSeq,
      30_000,
    );
    const seen = chatMessages(raw.received).map((m) => m.seq);
    // The room's CREATE and IN may be relayed after the SUBSCRIBE, so the raw client may see them too.
    const from = Math.min(seen[0] ?? firstSeq, firstSeq);
    expect(seen).toEqual(Array.from({ length: lastSeq - from + 1 }, (_, i) => from + i));
    expect(leader.container.outbox.leading).toBe(false);
    expect(takeoverMs).toBeGreaterThan(0);
    expect(takeoverMs).toBeLessThan(10_000);
    console.info(`relay takeover ${takeoverMs} ms after the freeze; ${seen.length} messages, in order, once`);
    proxy.restore();
    for (const client of senders) await client.realtime.disconnect();
    raw.ws.close();
  });
});
