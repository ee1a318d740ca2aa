import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Attachment } from "@codechef/contract";
import { afterCommit } from "../../db/after-commit.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import type { Job } from "../../jobs.ts";
import type { Logger } from "../../logger.ts";
import type { ObjectStorage } from "../../ports.ts";
import { ForbiddenError, NotFoundError, ServiceUnavailableError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { canEditBoard } from "../boards/policy.ts";
import { extensionFor, type Image, reencode } from "./images.ts";
import { readFiles } from "./multipart.ts";
import { type AttachmentRow, dispositionOf, fileHeaders, presentAttachment } from "./presenter.ts";
import type { AttachmentRepository } from "./repository.ts";

/** How long an object written ahead of its rows may wait for them before the sweeper takes it. */
const UNCOMMITTED_GRACE_MS = 3_600_000;
const SWEEP_BATCH = 100;

/**
 * A board's images. An upload replaces the set: the new objects are written first, the rows swapped in one
 * transaction, the old objects deleted after commit. Every object that may lose its row is listed in
 * `storage_sweep` before that can happen, so a crash at any step leaves at worst an object the sweeper removes.
 */
export class AttachmentService {
  readonly #database: SqlDatabase;
  readonly #attachments: AttachmentRepository;
  readonly #storage: ObjectStorage;
  readonly #logger: Logger;

  constructor(deps: {
    database: SqlDatabase;
    attachments: AttachmentRepository;
    storage: ObjectStorage;
    logger: Logger;
  }) {
    this.#database = deps.database;
    this.#attachments = deps.attachments;
    this.#storage = deps.storage;
    this.#logger = deps.logger;
  }

  async list(boardId: number): Promise<{ items: Attachment[] }> {
    if ((await this.#attachments.boardAuthor(this.#database.db, boardId)) === undefined) {
      throw new NotFoundError("board");
    }
    return this.#present(await this.#attachments.ofBoard(boardId));
  }

  async upload(user: UserRow, boardId: number, request: IncomingMessage): Promise<{ items: Attachment[] }> {
    await this.#authorize(user, boardId);
    const files = await readFiles(request);
    const images: (Image & { name: string; key: string })[] = [];
    for (const file of files) {
      const image = await reencode(file.name, file.data);
      images.push({
        ...image,
        name: file.name,
        key: randomBytes(16).toString("hex") + extensionFor(image.contentType),
      });
    }
    const keys = images.map((image) => image.key);
    const now = Date.now();
    await this.#attachments.scheduleSweep(this.#database.db, keys, now + UNCOMMITTED_GRACE_MS);
    try {
      await Promise.all(
        images.map((image) =>
          this.#storage.put(image.key, image.body, {
            contentType: image.contentType,
            contentDisposition: dispositionOf(image.name),
          }),
        ),
      );
    } catch (error) {
      await this.#discard(keys);
      throw new ServiceUnavailableError("storage", String(error));
    }
    let committed: AttachmentRow[];
    try {
      committed = await this.#database.transaction(async (tx) => {
        // Locks the board: concurrent uploads to it swap one after the other.
        if ((await this.#attachments.boardAuthor(tx, boardId, true)) === undefined)
          throw new NotFoundError("board");
        const old = await this.#attachments.ofBoard(boardId, tx);
        await this.#attachments.replace(
          tx,
          boardId,
          images.map((image) => ({
            board_id: boardId,
            name: image.name,
            storage_key: image.key,
            content_type: image.contentType,
            size: image.body.length,
            width: image.width,
            height: image.height,
            created_at: now,
          })),
        );
        await this.#attachments.unscheduleSweep(tx, keys);
        await this.#deleteAfterCommit(tx, old, now);
        return this.#attachments.ofBoard(boardId, tx);
      });
    } catch (error) {
      await this.#discard(keys);
      throw error;
    }
    return this.#present(committed);
  }

  async clear(user: UserRow, boardId: number): Promise<void> {
    await this.#authorize(user, boardId);
    await this.#database.transaction(async (tx) => {
      const old = await this.#attachments.ofBoard(boardId, tx);
      await this.#attachments.replace(tx, boardId, []);
      await this.#deleteAfterCommit(tx, old, Date.now());
    });
  }

  /** In a board's delete transaction: its files go once the delete commits. */
  async boardDeleting(tx: Tx, boardId: number): Promise<void> {
    await this.#deleteAfterCommit(tx, await this.#attachments.ofBoard(boardId, tx), Date.now());
  }

  /** A committed attachment's bytes and headers (the local directory's objects are served through this). */
  async file(key: string): Promise<{ body: Buffer; headers: Record<string, string> } | undefined> {
    const row = await this.#attachments.byKey(key);
    const body = row && (await this.#storage.get(key));
    return row && body ? { body, headers: fileHeaders(row) } : undefined;
  }

  /** Deletes objects whose rows are gone: left by a crash, or by a delete after commit that failed. */
  readonly sweeper: Job = {
    name: "storage-sweep",
    run: async (now) => {
      const due = await this.#attachments.dueSweeps(now, SWEEP_BATCH);
      for (const { key, held } of due) {
        if (!held) await this.#storage.delete(key);
        await this.#attachments.unscheduleSweep(this.#database.db, [key]);
      }
    },
  };

  async #authorize(user: UserRow, boardId: number): Promise<void> {
    const author = await this.#attachments.boardAuthor(this.#database.db, boardId);
    if (author === undefined) throw new NotFoundError("board");
    if (!canEditBoard(user, { author_id: author })) {
      throw new ForbiddenError("only the author or an admin changes a board's attachments");
    }
  }

  /** Lists the rows' objects for the sweeper in `tx`, and deletes them as soon as it commits. */
  async #deleteAfterCommit(tx: Tx, rows: AttachmentRow[], now: number): Promise<void> {
    const keys = rows.map((row) => row.storage_key);
    // Listed in the transaction: if the process stops before the hook runs, the sweeper finds them.
    await this.#attachments.scheduleSweep(tx, keys, now);
    if (keys.length > 0) afterCommit(tx, () => this.#discard(keys));
  }

  async #discard(keys: string[]): Promise<void> {
    try {
      await Promise.all(keys.map((key) => this.#storage.delete(key)));
      await this.#attachments.unscheduleSweep(this.#database.db, keys);
    } catch (error) {
      this.#logger.warn("objects not deleted; the sweeper retries", {
        keys: keys.length,
        error: String(error),
      });
    }
  }

  async #present(rows: AttachmentRow[]): Promise<{ items: Attachment[] }> {
    return {
      items: await Promise.all(
        rows.map(async (row) => presentAttachment(row, await this.#storage.url(row.storage_key))),
      ),
    };
  }
}
