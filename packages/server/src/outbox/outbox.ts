import { randomUUID } from "node:crypto";
import { afterCommit } from "../db/after-commit.ts";
import type { Db, Tx } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import type { BusMessage, BusTopic, MessageBus } from "../ports.ts";

const BATCH = 200;
/** Confirmed rows are deleted together at most this often: one write per interval, not one per message. */
const DELETE_DELAY_MS = 50;

/** What services need of the outbox: a bus message written in their own transaction. */
export interface OutboxWriter {
  enqueue(tx: Tx, topic: BusTopic, body: unknown): Promise<BusMessage>;
}

/**
 * Moves outbox rows to the bus: at once after the transaction that enqueued them commits, and every `intervalMs`
 * in case the broker was down. A row is deleted only once the bus confirmed it, so an outage delays delivery but
 * never loses it; a row published twice (a crash between confirm and delete, or two instances relaying) is dropped
 * by consumers.
 * Confirmed rows are remembered and deleted in batches, so a busy relay does not add a write per message.
 */
export class Outbox implements OutboxWriter {
  readonly #db: Db;
  readonly #bus: MessageBus;
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | undefined;
  #again = false;
  /** Set from a failed pass to the next good one: an outage is logged once, not once per kick. */
  #paused = false;
  /** Confirmed by the bus, not yet deleted. */
  readonly #published = new Set<number>();
  #deleteTimer: NodeJS.Timeout | undefined;

  constructor(db: Db, bus: MessageBus, logger: Logger, intervalMs = 1000) {
    this.#db = db;
    this.#bus = bus;
    this.#logger = logger;
    this.#timer = setInterval(() => this.kick(), intervalMs);
    this.#timer.unref();
  }

  /** Writes a bus message in the caller's transaction, so it exists exactly when its cause committed. */
  async enqueue(tx: Tx, topic: BusTopic, body: unknown): Promise<BusMessage> {
    const message = { id: randomUUID(), body };
    await tx
      .insertInto("outbox")
      .values({ topic, message: JSON.stringify(message), created_at: Date.now() })
      .execute();
    afterCommit(tx, () => this.kick());
    return message;
  }

  /** Relays what is pending now; calls made while a relay runs fold into one more pass. */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain()
      .then(
        () => {
          if (this.#paused) this.#logger.info("outbox relay resumed");
          this.#paused = false;
        },
        (error: unknown) => {
          if (!this.#paused) this.#logger.warn("outbox relay paused", { error: (error as Error).message });
          this.#paused = true;
        },
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
      const rows = await this.#db
        .selectFrom("outbox")
        .selectAll()
        .orderBy("id")
        .limit(BATCH + this.#published.size)
        .execute();
      const fresh = rows.filter((row) => !this.#published.has(row.id));
      if (fresh.length === 0) return;
      const results = await Promise.allSettled(
        fresh.map((row) => this.#bus.publish(row.topic as BusTopic, JSON.parse(row.message) as BusMessage)),
      );
      fresh.forEach((row, i) => {
        if (results[i]?.status === "fulfilled") this.#published.add(row.id);
      });
      this.#scheduleDelete();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  #scheduleDelete(): void {
    if (this.#deleteTimer || this.#published.size === 0) return;
    this.#deleteTimer = setTimeout(() => {
      this.#deleteTimer = undefined;
      void this.#deletePublished();
    }, DELETE_DELAY_MS);
  }

  async #deletePublished(): Promise<void> {
    const ids = [...this.#published].slice(0, 1000);
    if (ids.length === 0) return;
    try {
      await this.#db.deleteFrom("outbox").where("id", "in", ids).execute();
      for (const id of ids) this.#published.delete(id);
    } catch (error) {
      this.#logger.warn("outbox cleanup failed; will retry", { error: (error as Error).message });
    }
    this.#scheduleDelete();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#again = false;
    await this.#running;
    clearTimeout(this.#deleteTimer);
    this.#deleteTimer = undefined;
    await this.#deletePublished();
    clearTimeout(this.#deleteTimer);
  }
}
