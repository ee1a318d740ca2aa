import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryBus } from "../src/adapters/memory/memory-bus.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
import type { Logger } from "../src/logger.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import type { BusMessage, BusTopic } from "../src/ports.ts";
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
    const outbox = new Outbox(database.db, bus, logger, 60_000);
    try {
      bus.down = true;
      for (const n of [1, 2, 3]) {
        const before = bus.attempts;
        // Each commit kicks the relay by itself.
        await database.transaction((tx) => outbox.enqueue(tx, "chat", { n }));
        await eventually(
          () => bus.attempts,
          (attempts) => attempts > before,
        );
      }
      bus.down = false;
      outbox.kick();
      await eventually(
        () => delivered.length,
        (n) => n === 3,
      );
      expect(delivered).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      await outbox.stop();
      expect(
        lines.filter((line) => line.message.startsWith("outbox relay p") || line.message.endsWith("resumed")),
      ).toEqual([
        { level: "warn", message: "outbox relay paused" },
        { level: "info", message: "outbox relay resumed" },
      ]);
    } finally {
      await outbox.stop();
    }
  });
});
