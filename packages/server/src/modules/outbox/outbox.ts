import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../../db/database.ts";
import type { OutboxTable } from "../../db/schema.ts";
import type { Logger } from "../../logger.ts";
import type { BusMessage, BusTopic, MessageBus } from "../../ports.ts";

const BATCH = 200;
/** Confirmed rows are deleted together at most this often: one write per interval, not one per message. */
const DELETE_DELAY_MS = 50;
/** A claim lets one instance relay a row; a claim left by a crashed instance frees the row after this. */
const CLAIM_MS = 30_000;
/** How soon to look again while another instance holds the oldest rows (it may finish with them any moment). */
const BLOCKED_RETRY_MS = 100;

interface Claim {
  token: string;
  /** Claimed rows in id order. */
  rows: { id: number; topic: string; message: string }[];
  /** Past this, the rest are released rather than published under a claim that may have expired. */
  publishUntil: number;
}

const isFree = (row: Pick<OutboxTable, "claimed_until">, now: number) =>
  row.claimed_until === null || Number(row.claimed_until) < now;

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
 * published twice (a crash between confirm and delete) is dropped by consumers.
 * Every instance runs a relay: each claims the oldest rows before publishing them, and only when no other
 * instance holds older ones, so a row goes out through one instance and never after a later one. Rows go out one
 * at a time and a failure stops the pass, releasing the rest for whichever instance retries first.
 * Confirmed rows are remembered and deleted in batches, so a busy relay does not add a write per message.
 */
export class OutboxRelay {
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
  #retryTimer: NodeJS.Timeout | undefined;

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
      .then(
        (outcome) => {
          if (this.#paused) this.#logger.info("outbox relay resumed");
          this.#paused = false;
          if (outcome === "blocked") this.#retrySoon();
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

  async #drain(): Promise<"done" | "blocked"> {
    for (;;) {
      const claim = await this.#claim();
      if (claim === "done" || claim === "blocked") return claim;
      await this.#publish(claim);
    }
  }

  /**
   * Claims the oldest pending rows that no other instance holds, stopping at the first one held; "blocked" when
   * that is the oldest, or when another instance claimed some of them first (all are released then).
   */
  async #claim(): Promise<Claim | "done" | "blocked"> {
    const now = Date.now();
    const heads = await this.#db
      .selectFrom("outbox")
      .select(["id", "claimed_until"])
      .orderBy("id")
      .limit(BATCH + this.#published.size)
      .execute();
    const pending = heads.filter((row) => !this.#published.has(row.id));
    if (pending.length === 0) return "done";
    const held = pending.findIndex((row) => !isFree(row, now));
    const ids = (held === -1 ? pending : pending.slice(0, held)).map((row) => row.id);
    if (ids.length === 0) return "blocked";

    const token = randomUUID();
    const { numUpdatedRows } = await this.#db
      .updateTable("outbox")
      .set({ claimed_by: token, claimed_until: now + CLAIM_MS })
      .where("id", "in", ids)
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
      .executeTakeFirst();
    if (Number(numUpdatedRows) < ids.length) {
      await this.#release(token, ids);
      return "blocked";
    }
    const rows = await this.#db
      .selectFrom("outbox")
      .select(["id", "topic", "message"])
      .where("id", "in", ids)
      .where("claimed_by", "=", token)
      .orderBy("id")
      .execute();
    return { token, rows, publishUntil: now + CLAIM_MS / 2 };
  }

  /** One row after another: a row that fails stops the pass, so no later row overtakes it. */
  async #publish({ token, rows, publishUntil }: Claim): Promise<void> {
    for (const [i, row] of rows.entries()) {
      const rest = () => rows.slice(i).map((r) => r.id);
      if (Date.now() > publishUntil) return this.#release(token, rest());
      try {
        await this.#bus.publish(row.topic as BusTopic, JSON.parse(row.message) as BusMessage);
      } catch (error) {
        // A claim that cannot be released (the database is down too) expires instead.
        await this.#release(token, rest()).catch(() => {});
        throw error;
      }
      this.#published.add(row.id);
      this.#scheduleDelete();
    }
  }

  async #release(token: string, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#db
      .updateTable("outbox")
      .set({ claimed_by: null, claimed_until: null })
      .where("id", "in", ids)
      .where("claimed_by", "=", token)
      .execute();
  }

  #retrySoon(): void {
    if (this.#retryTimer) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.kick();
    }, BLOCKED_RETRY_MS);
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
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    clearTimeout(this.#deleteTimer);
    this.#deleteTimer = undefined;
    await this.#deletePublished();
    clearTimeout(this.#deleteTimer);
  }
}
