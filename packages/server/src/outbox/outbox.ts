import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { afterCommit } from "../db/after-commit.ts";
import type { Db, Tx } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import type { BusMessage, BusTopic, MessageBus } from "../ports.ts";

const BATCH = 200;
/** Publishes in flight at once. The bus keeps their order (one AMQP channel does), and their confirms overlap. */
const WINDOW = 100;
/** Confirmed rows are deleted together at most this often: one write per interval, not one per message. */
const DELETE_DELAY_MS = 50;
const LEASE = "outbox";

/** How the relay lease is timed; tests may shorten it. */
export interface LeaseTiming {
  /** A lease lasts this long after each renewal. */
  leaseMs: number;
  /** The holder renews this often, and the others try to take it this often. */
  renewMs: number;
  /** The holder stops publishing this long before its lease runs out (clock skew, a slow renewal). */
  marginMs: number;
  /** A holder whose bus does not answer a ping in this time, or whose publish hangs this long, lets go. */
  healthMs: number;
}

export const DEFAULT_LEASE: LeaseTiming = { leaseMs: 4000, renewMs: 1000, marginMs: 1500, healthMs: 1000 };

/** What services need of the outbox: a bus message written in their own transaction. */
export interface OutboxWriter {
  enqueue(tx: Tx, topic: BusTopic, body: unknown): Promise<BusMessage>;
  enqueueAll(tx: Tx, topic: BusTopic, bodies: unknown[]): Promise<BusMessage[]>;
}

/**
 * Moves outbox rows to the bus. One instance relays at a time: the holder of the `outbox` row of `relay_leases`,
 * which it renews every `renewMs` while its bus answers, and which another instance takes once it lapses. The
 * holder publishes rows in id order, up to WINDOW at a time, and stops after a window with a failure, so every
 * room's messages reach the bus in `seq` order (an outage fails the rest of its window too; only a broker that
 * refuses one message of a window and takes the next, which RabbitMQ does on an internal queue error alone,
 * would let a row overtake the one it refused). It relays at once after the transactions it commits,
 * and looks for rows every `intervalMs` (those committed by other instances, or held back by an outage).
 * A row is deleted only once the bus confirmed it, so an outage delays delivery but never loses it; a row
 * published twice (a crash between confirm and delete, or a holder that overran its lease) is dropped by
 * consumers, and since each relay publishes in order, the first copy of every row still arrives in order.
 * Confirmed rows are remembered and deleted in batches, so a busy relay does not add a write per message.
 */
export class Outbox implements OutboxWriter {
  readonly #db: Db;
  readonly #bus: MessageBus;
  readonly #logger: Logger;
  readonly #timing: LeaseTiming;
  readonly #holder = randomUUID();
  readonly #timers: NodeJS.Timeout[];
  /** `performance.now()` past which this instance may not publish; 0 while another holds the lease. */
  #leaseUntil = 0;
  #renewing: Promise<void> | undefined;
  /** When the publish in progress started (`performance.now()`), so a hanging bus gives up the lease. */
  #publishingSince: number | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #again = false;
  /** Set from a failed pass to the next good one: an outage is logged once, not once per kick. */
  #paused = false;
  /** Confirmed by the bus, not yet deleted. */
  readonly #published = new Set<number>();
  #deleteTimer: NodeJS.Timeout | undefined;

  constructor(
    db: Db,
    bus: MessageBus,
    logger: Logger,
    intervalMs = 100,
    timing: LeaseTiming = DEFAULT_LEASE,
  ) {
    this.#db = db;
    this.#bus = bus;
    this.#logger = logger;
    this.#timing = timing;
    this.#timers = [
      setInterval(() => this.kick(), intervalMs),
      setInterval(() => this.#renew(), timing.renewMs),
    ];
    for (const timer of this.#timers) timer.unref();
    this.#renew();
  }

  /** Whether this instance holds the lease now (with its margin). */
  get leading(): boolean {
    return performance.now() < this.#leaseUntil;
  }

  /** Writes a bus message in the caller's transaction, so it exists exactly when its cause committed. */
  async enqueue(tx: Tx, topic: BusTopic, body: unknown): Promise<BusMessage> {
    const [message] = await this.enqueueAll(tx, topic, [body]);
    return message as BusMessage;
  }

  /** `enqueue` for several messages, in order, in one statement. */
  async enqueueAll(tx: Tx, topic: BusTopic, bodies: unknown[]): Promise<BusMessage[]> {
    const messages = bodies.map((body) => ({ id: randomUUID(), body }));
    const now = Date.now();
    await tx
      .insertInto("outbox")
      .values(messages.map((message) => ({ topic, message: JSON.stringify(message), created_at: now })))
      .execute();
    afterCommit(tx, () => this.kick());
    return messages;
  }

  /** Rows waiting for the bus, and the age of the oldest (seconds; 0 when none wait). */
  async backlog(): Promise<{ rows: number; oldestAgeSeconds: number }> {
    const { rows, oldest } = await this.#db
      .selectFrom("outbox")
      .select((eb) => [eb.fn.countAll<number>().as("rows"), eb.fn.min("created_at").as("oldest")])
      .executeTakeFirstOrThrow();
    const age = oldest === null ? 0 : (Date.now() - Number(oldest)) / 1000;
    return { rows: Number(rows), oldestAgeSeconds: Math.max(0, age) };
  }

  /** Relays what is pending now, if this instance holds the lease; calls during a pass fold into one more. */
  kick(): void {
    if (this.#stopped || !this.leading) return;
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
      for (let start = 0; start < fresh.length; start += WINDOW) {
        if (!this.leading) return;
        await this.#publishAll(fresh.slice(start, start + WINDOW));
      }
    }
  }

  /**
   * Publishes the rows back to back, in order, and waits for all their confirms: one broker round trip for the
   * window rather than one per row. A confirmed row counts as published even when an earlier one failed, so it
   * is not sent twice; the failure then ends the pass.
   */
  async #publishAll(rows: { id: number; topic: string; message: string }[]): Promise<void> {
    this.#publishingSince = performance.now();
    try {
      const outcomes = await Promise.allSettled(
        rows.map((row) => this.#bus.publish(row.topic as BusTopic, JSON.parse(row.message) as BusMessage)),
      );
      rows.forEach((row, i) => {
        if (outcomes[i]?.status === "fulfilled") this.#published.add(row.id);
      });
      this.#scheduleDelete();
      const failed = outcomes.find((outcome) => outcome.status === "rejected");
      if (failed) throw failed.reason;
    } finally {
      this.#publishingSince = undefined;
    }
  }

  #renew(): void {
    if (this.#stopped) return;
    this.#renewing ??= this.#tryRenew()
      .catch((error: unknown) => {
        // The database did not answer: the lease (if held) runs out on its own.
        this.#logger.warn("outbox lease not renewed", { error: String(error) });
      })
      .finally(() => {
        this.#renewing = undefined;
      });
  }

  /** Takes or renews the lease while the bus is healthy; lets it go at once when the bus is not. */
  async #tryRenew(): Promise<void> {
    const { leaseMs, marginMs } = this.#timing;
    const started = performance.now();
    const wasLeading = this.leading;
    if (!(await this.#busHealthy())) {
      if (this.#leaseUntil > 0) await this.#letGo("the bus does not answer");
      return;
    }
    if (this.#stopped) return;
    const now = Date.now();
    const { numUpdatedRows } = await this.#db
      .updateTable("relay_leases")
      .set({ holder: this.#holder, expires_at: now + leaseMs })
      .where("name", "=", LEASE)
      .where((eb) => eb.or([eb("holder", "=", this.#holder), eb("expires_at", "<", now)]))
      .executeTakeFirst();
    if (Number(numUpdatedRows) === 0) {
      if (wasLeading) this.#logger.warn("outbox lease lost to another instance");
      this.#leaseUntil = 0;
      return;
    }
    // Counted from before the ping: the database set its expiry later than this, so we stop first.
    this.#leaseUntil = started + leaseMs - marginMs;
    if (!wasLeading) {
      this.#logger.info("outbox relay lease taken", { holder: this.#holder });
      this.kick();
    }
  }

  async #busHealthy(): Promise<boolean> {
    const { healthMs } = this.#timing;
    if (this.#publishingSince !== undefined && performance.now() - this.#publishingSince > healthMs)
      return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(resolve, healthMs, false);
    });
    const pinged = this.#bus.ping().then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([pinged, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Gives the lease up, so another instance takes it at its next try rather than when it lapses. */
  async #letGo(reason: string): Promise<void> {
    if (this.#leaseUntil > 0) this.#logger.warn("outbox relay lease given up", { reason });
    this.#leaseUntil = 0;
    await this.#db
      .updateTable("relay_leases")
      .set({ holder: null, expires_at: 0 })
      .where("name", "=", LEASE)
      .where("holder", "=", this.#holder)
      .execute();
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

  /** Stops relaying and hands the lease on; what is not yet relayed stays in the outbox for the next holder. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#again = false;
    await this.#renewing;
    this.#leaseUntil = 0;
    await this.#running;
    await this.#letGo("stopping").catch(() => {});
    clearTimeout(this.#deleteTimer);
    this.#deleteTimer = undefined;
    await this.#deletePublished();
    clearTimeout(this.#deleteTimer);
  }
}
