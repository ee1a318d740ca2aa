import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryBus } from "../src/adapters/memory/memory-bus.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
import type { Logger } from "../src/logger.ts";
import { enqueue, OutboxRelay } from "../src/modules/outbox/outbox.ts";
import type { BusMessage, BusTopic } from "../src/ports.ts";
import { describeEachBackend } from "./support/backends.ts";
import { eventually } from "./support/realtime.ts";
import { testEnvironment } from "./support/test-server.ts";

/** An in-process bus that refuses publishes while `down`, counting every attempt. */
class SwitchableBus extends MemoryBus {
  down = false;
  attempts = 0;

  override async publish(topic: BusTopic, message: BusMessage): Promise<void> {
    this.attempts++;
    if (this.down) throw new Error("broker unreachable");
    return super.publish(topic, message);
  }
}

/** Counts publish attempts per message and records, in order, the bodies the bus took. */
class CountingBus extends MemoryBus {
  readonly attempts = new Map<string, number>();
  readonly taken: unknown[] = [];
  /** Bodies `{ n }` whose first publish is refused. */
  readonly refuseOnce = new Set<number>();

  override async publish(topic: BusTopic, message: BusMessage): Promise<void> {
    this.attempts.set(message.id, (this.attempts.get(message.id) ?? 0) + 1);
    await sleep(1); // a broker round trip, so the two relays overlap
    if (this.refuseOnce.delete((message.body as { n: number }).n)) throw new Error("broker refused");
    await super.publish(topic, message);
    this.taken.push(message.body);
  }
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const numbered = (count: number) => Array.from({ length: count }, (_, i) => ({ n: i + 1 }));

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

describe("outbox relay during a bus outage", () => {
  let database: SqlDatabase;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const environment = await testEnvironment("embedded");
    cleanup = environment.cleanup;
    database = openDatabase(`sqlite:${environment.env.DATA_DIR}/outbox.db`);
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await cleanup?.();
  });

  it("logs the outage once (not once per kick), delivers everything in order once the bus is back", async () => {
    const bus = new SwitchableBus();
    const delivered: unknown[] = [];
    bus.subscribe((_, message) => delivered.push(message.body));
    const { logger, lines } = recordingLogger();
    const relay = new OutboxRelay(database.db, bus, logger, 60_000);
    try {
      bus.down = true;
      for (const n of [1, 2, 3]) {
        await database.transaction((tx) => enqueue(tx, "chat", { n }));
        const before = bus.attempts;
        relay.kick();
        await eventually(
          () => bus.attempts,
          (attempts) => attempts > before,
        );
      }
      bus.down = false;
      relay.kick();
      await eventually(
        () => delivered.length,
        (n) => n === 3,
      );
      expect(delivered).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      await relay.stop();
      expect(lines).toEqual([
        { level: "warn", message: "outbox relay paused" },
        { level: "info", message: "outbox relay resumed" },
      ]);
    } finally {
      await relay.stop();
    }
  });
});

describeEachBackend("outbox relays of two instances on one database", (backend) => {
  let databases: SqlDatabase[] = [];
  let relays: OutboxRelay[] = [];
  let bus: CountingBus;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const environment = await testEnvironment(backend);
    cleanup = environment.cleanup;
    const url = environment.env.DATABASE_URL ?? `sqlite:${environment.env.DATA_DIR}/outbox.db`;
    const first = openDatabase(url);
    // SQLite is one process: a second handle on the file would block the event loop waiting for the first one.
    databases = [first, backend === "services" ? openDatabase(url) : first];
    await migrateToLatest(first.db);
  });
  afterAll(async () => {
    for (const database of new Set(databases)) await database.close();
    await cleanup?.();
  });
  afterEach(async () => {
    for (const relay of relays) await relay.stop();
  });

  function startRelays(intervalMs: number) {
    bus = new CountingBus();
    relays = databases.map((database) => new OutboxRelay(database.db, bus, silent, intervalMs));
  }

  /** Enqueues on alternate instances, each kicking its own relay after commit, as the server does. */
  async function enqueueAlternately(bodies: { n: number }[]) {
    for (const [i, body] of bodies.entries()) {
      const instance = i % databases.length;
      await databases[instance]?.transaction((tx) => enqueue(tx, "chat", body));
      relays[instance]?.kick();
    }
  }

  async function outboxRows(): Promise<number> {
    const { db } = databases[0] ?? {};
    if (!db) throw new Error("no database");
    const { count } = await db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll().as("count"))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  async function drained(): Promise<void> {
    while ((await outboxRows()) > 0) await sleep(10);
    for (const relay of relays) await relay.stop();
  }

  it("publishes each row once, through one instance, in order", async () => {
    startRelays(25);
    const bodies = numbered(60);
    await enqueueAlternately(bodies);
    await drained();

    expect(bus.taken).toEqual(bodies);
    expect([...bus.attempts.values()]).toEqual(bodies.map(() => 1));
  });

  it("lets no row overtake one whose publish failed, and retries it", async () => {
    startRelays(25);
    bus.refuseOnce.add(20);
    const bodies = numbered(60);
    await enqueueAlternately(bodies);
    await drained();

    expect(bus.taken).toEqual(bodies);
    expect([...bus.attempts.values()]).toEqual(bodies.map(({ n }) => (n === 20 ? 2 : 1)));
  });

  it("waits for a row another instance holds, and takes over one whose claim expired", async () => {
    startRelays(60_000);
    const [database] = databases;
    const [relay] = relays;
    if (!database || !relay) throw new Error("no instance");
    await database.transaction(async (tx) => {
      for (const body of numbered(3)) await enqueue(tx, "chat", body);
    });
    const claim = (id: number, claimedBy: string, claimedUntil: number) =>
      database.db
        .updateTable("outbox")
        .set({ claimed_by: claimedBy, claimed_until: claimedUntil })
        .where("id", "=", id)
        .execute();
    const [first, second] = await database.db.selectFrom("outbox").select("id").orderBy("id").execute();
    if (!first || !second) throw new Error("rows not enqueued");
    await claim(first.id, "live instance", Date.now() + 60_000);
    await claim(second.id, "crashed instance", Date.now() - 1);

    relay.kick();
    await relay.stop();
    expect(bus.taken).toEqual([]);

    await claim(first.id, "live instance", Date.now() - 1);
    relay.kick();
    await drained();
    expect(bus.taken).toEqual(numbered(3));
  });
});
