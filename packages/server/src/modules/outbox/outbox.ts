import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../../db/database.ts";
import type { Logger } from "../../logger.ts";
import type { BusMessage, BusTopic, MessageBus } from "../../ports.ts";

const BATCH = 200;

/** Writes a bus message in the caller's transaction, so it exists exactly when its cause committed. */
export async function enqueue(tx: Tx, topic: BusTopic, body: unknown): Promise<BusMessage> {
  const message = { id: randomUUID(), body };
  await tx
    .insertInto("outbox")
    .values({ topic, message: JSON.stringify(message), created_at: Date.now() })
    .execute();
  return message;
}

/**
 * Moves outbox rows to the bus after commit: at once when kicked, and every `intervalMs` in case the broker was
 * down. A row is deleted only once the bus confirmed it, so an outage delays delivery but never loses it; a row
 * published twice (a crash between confirm and delete, or two instances relaying) is dropped by consumers.
 */
export class OutboxRelay {
  readonly #db: Db;
  readonly #bus: MessageBus;
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(db: Db, bus: MessageBus, logger: Logger, intervalMs = 1000) {
    this.#db = db;
    this.#bus = bus;
    this.#logger = logger;
    this.#timer = setInterval(() => this.kick(), intervalMs);
    this.#timer.unref();
  }

  /** Relays what is pending now; calls made while a relay runs fold into one more pass. */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain()
      .catch((error: unknown) =>
        this.#logger.warn("outbox relay paused", { error: (error as Error).message }),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  async #drain(): Promise<void> {
    for (;;) {
      const rows = await this.#db.selectFrom("outbox").selectAll().orderBy("id").limit(BATCH).execute();
      if (rows.length === 0) return;
      const results = await Promise.allSettled(
        rows.map((row) => this.#bus.publish(row.topic as BusTopic, JSON.parse(row.message) as BusMessage)),
      );
      const done = rows.filter((_, i) => results[i]?.status === "fulfilled").map((row) => row.id);
      if (done.length > 0) await this.#db.deleteFrom("outbox").where("id", "in", done).execute();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#again = false;
    await this.#running;
  }
}
