import { afterCommit } from "../db/after-commit.ts";
import type { Db, Tx } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import type { BoardDocuments, SearchIndex } from "../ports.ts";

export type OutboxOp = "upsert" | "delete";

/** What services that change boards need: a row written in their own transaction. */
export interface SearchOutboxWriter {
  /** Records, inside the board's transaction, that the index must follow a change of the board. */
  enqueue(tx: Tx, boardId: number, op: OutboxOp): Promise<void>;
  /** The same for every board carrying a category (its name is part of their documents). */
  enqueueCategory(tx: Tx, categoryId: number): Promise<void>;
}

export interface SearchOutboxOptions {
  db: Db;
  index: SearchIndex;
  documents: BoardDocuments;
  logger: Logger;
  batchSize?: number;
  /** How often pending rows are retried (and rows written by other instances picked up). */
  intervalMs?: number;
}

/**
 * Feeds the search index from `search_outbox` after commit. Each pass re-reads the boards from the database, so
 * the row's `op` is a hint and the index always converges on the current state, whatever order rows arrive in
 * and however many instances relay at once. Rows are deleted only once the index has taken them: an engine that
 * is down loses nothing, it is retried on the next tick.
 */
export class SearchOutbox implements SearchOutboxWriter {
  readonly #db: Db;
  readonly #index: SearchIndex;
  readonly #documents: BoardDocuments;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #intervalMs: number;
  #pass: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(options: SearchOutboxOptions) {
    this.#db = options.db;
    this.#index = options.index;
    this.#documents = options.documents;
    this.#logger = options.logger;
    this.#batchSize = options.batchSize ?? 100;
    this.#intervalMs = options.intervalMs ?? 1000;
  }

  async enqueue(tx: Tx, boardId: number, op: OutboxOp): Promise<void> {
    await tx.insertInto("search_outbox").values({ board_id: boardId, op, created_at: Date.now() }).execute();
    afterCommit(tx, () => this.notify());
  }

  async enqueueCategory(tx: Tx, categoryId: number): Promise<void> {
    await tx
      .insertInto("search_outbox")
      .columns(["board_id", "op", "created_at"])
      .expression((eb) =>
        eb
          .selectFrom("board_categories")
          .select((eb) => ["board_id", eb.val("upsert").as("op"), eb.val(Date.now()).as("created_at")])
          .where("category_id", "=", categoryId),
      )
      .execute();
    afterCommit(tx, () => this.notify());
  }

  start(): void {
    this.#timer ??= setInterval(() => this.notify(), this.#intervalMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pass.catch(() => {});
  }

  /** Relays now, in the background; a failure is logged and left to the next tick. */
  notify(): void {
    this.drain().catch(() => {});
  }

  /** Relays every pending row; resolves once the outbox is empty, rejects if the index refused a change. */
  drain(): Promise<void> {
    const pass = this.#pass.catch(() => {}).then(() => this.#relayAll());
    this.#pass = pass;
    return pass;
  }

  async #relayAll(): Promise<void> {
    try {
      while (await this.#relayBatch()) {}
      if (this.#failing) this.#logger.info("search index caught up");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing)
        this.#logger.warn("search index update failed, will retry", { error: String(error) });
      this.#failing = true;
      throw error;
    }
  }

  /** Relays one batch; false when there was nothing to relay. */
  async #relayBatch(): Promise<boolean> {
    const rows = await this.#db
      .selectFrom("search_outbox")
      .select(["id", "board_id"])
      .orderBy("id")
      .limit(this.#batchSize)
      .execute();
    if (rows.length === 0) return false;
    const boardIds = [...new Set(rows.map((row) => row.board_id))];
    const live = await this.#documents.load(boardIds);
    await this.#index.indexMany([...live.values()]);
    for (const boardId of boardIds) if (!live.has(boardId)) await this.#index.remove(boardId);
    await this.#db
      .deleteFrom("search_outbox")
      .where(
        "id",
        "in",
        rows.map((row) => row.id),
      )
      .execute();
    return true;
  }
}
