import type {
  Board,
  BoardFileInput,
  BoardSummary,
  BoardsQuery,
  CreateBoardBody,
  Page,
} from "@codechef/contract";
import type { z } from "zod";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { type Actor, actorKey } from "../../db/first-per-hour.ts";
import type { SearchOutboxWriter } from "../../outbox/search-outbox.ts";
import type { Cache } from "../../ports.ts";
import { KeyedBatches } from "../../shared/batches.ts";
import { ForbiddenError, NotFoundError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { type CategoryRepository, unknownCategoryError } from "../categories/repository.ts";
import { presentComment } from "../comments/presenter.ts";
import { presentFile } from "../review/presenter.ts";
import { canDeleteBoard, canEditBoard } from "./policy.ts";
import {
  type BoardContent,
  type BoardRow,
  presentBoard,
  presentBoardContent,
  presentBoardSummary,
} from "./presenter.ts";
import type { BoardRepository } from "./repository.ts";

const CACHE_TTL_SECONDS = 300;
const cacheKey = (id: number) => `board:${id}`;

type BoardChanges = {
  title?: string;
  contents?: string;
  categoryIds?: number[];
  files?: BoardFileInput[];
  message?: string;
};

/** Where a board's files are versioned: in the transaction of the board's creation or edit. */
export interface FileRevisions {
  startFiles(tx: Tx, boardId: number, authorId: number, files: BoardFileInput[]): Promise<void>;
  commitFiles(
    tx: Tx,
    boardId: number,
    author: UserRow,
    files: BoardFileInput[],
    message: string | null,
  ): Promise<number | undefined>;
}

/**
 * Boards, with a read-through cache of the detail. The cache holds the detail without its view count, under
 * the board's version: every read counts its view in the database and learns the current version there, so a
 * cached entry is served only when it is exactly the current version. Writes store the new version; the cache
 * refuses to go back to an older one.
 */
/** Runs after a view has committed, with the time it was counted at and the board's views in that hour. */
export type BoardViewedHook = (boardId: number, at: number, hourViews: number) => unknown;
/** Runs after a board's edit or deletion committed. */
export type BoardChangedHook = (boardId: number) => unknown;
/** Runs in the delete's transaction, before the board's rows go (its attachments schedule their files). */
export type BoardDeletingHook = (tx: Tx, boardId: number) => Promise<void>;

export class BoardService {
  readonly #database: SqlDatabase;
  readonly #cache: Cache;
  readonly #boards: BoardRepository;
  readonly #categories: CategoryRepository;
  readonly #searchOutbox: SearchOutboxWriter;
  readonly #files: FileRevisions;
  readonly #onViewed: BoardViewedHook;
  readonly #onDeleting: BoardDeletingHook;
  readonly #onChanged: BoardChangedHook;
  readonly #views = new KeyedBatches<number, string, { viewCount: number; version: number }>((id, viewers) =>
    this.#countViews(id, viewers),
  );

  constructor(deps: {
    database: SqlDatabase;
    cache: Cache;
    boards: BoardRepository;
    categories: CategoryRepository;
    searchOutbox: SearchOutboxWriter;
    files: FileRevisions;
    onViewed?: BoardViewedHook;
    onDeleting?: BoardDeletingHook;
    onChanged?: BoardChangedHook;
  }) {
    this.#database = deps.database;
    this.#cache = deps.cache;
    this.#boards = deps.boards;
    this.#categories = deps.categories;
    this.#searchOutbox = deps.searchOutbox;
    this.#files = deps.files;
    this.#onViewed = deps.onViewed ?? (() => {});
    this.#onDeleting = deps.onDeleting ?? (async () => {});
    this.#onChanged = deps.onChanged ?? (() => {});
  }

  async create(user: UserRow, body: z.output<typeof CreateBoardBody>): Promise<Board> {
    const id = await this.#database
      .transaction(async (tx) => {
        const categoryIds = body.categoryIds ?? [];
        await this.#categories.requireAll(categoryIds, "body.categoryIds", tx);
        const id = await this.#boards.insert(tx, user.id, body.title, body.contents);
        await this.#boards.setCategories(tx, id, categoryIds);
        await this.#files.startFiles(tx, id, user.id, body.files ?? []);
        await this.#searchOutbox.enqueue(tx, id, "upsert");
        return id;
      })
      .catch((error: unknown) => {
        throw unknownCategoryError(error, "body.categoryIds");
      });
    return this.#writeThrough(id);
  }

  /** Counts the view (once per viewer per hour) and answers the detail with the count that includes it. */
  async get(id: number, viewer: Actor): Promise<Board> {
    const [counted, cached] = await Promise.all([
      this.#views.submit(id, actorKey(viewer)),
      this.#cache.getVersioned<BoardContent>(cacheKey(id)),
    ]);
    const content =
      cached?.version === counted.version ? cached.value : (await this.#loadAndCache(id)).content;
    return presentBoard(content, counted.viewCount);
  }

  /**
   * The views of one board that queued while its last batch ran, in one transaction. Each viewer that counted
   * answers the count up to its own view, as if the views had run one by one; a repeat viewer, the count now.
   */
  async #countViews(
    id: number,
    viewers: string[],
  ): Promise<Array<{ viewCount: number; version: number } | Error>> {
    const at = Date.now();
    const counted = await this.#boards.countViews(id, viewers, at);
    if (!counted) return viewers.map(() => new NotFoundError("board"));
    await this.#onViewed(id, at, counted.hourViews);
    const first = new Set(counted.counted);
    let seen = counted.viewCount - first.size;
    return viewers.map((viewer) => ({
      viewCount: first.delete(viewer) ? ++seen : counted.viewCount,
      version: counted.version,
    }));
  }

  async update(user: UserRow, id: number, changes: BoardChanges): Promise<Board> {
    const board = await this.#boards.findById(id);
    if (!board) throw new NotFoundError("board");
    if (!canEditBoard(user, board)) throw new ForbiddenError("only the author or an admin edits a board");
    const { categoryIds, files, message, ...fields } = changes;
    await this.#database
      .transaction(async (tx) => {
        if (categoryIds) await this.#categories.requireAll(categoryIds, "body.categoryIds", tx);
        if (!(await this.#boards.update(tx, id, fields))) throw new NotFoundError("board");
        if (categoryIds) await this.#boards.setCategories(tx, id, categoryIds);
        if (files) await this.#files.commitFiles(tx, id, user, files, message ?? null);
        await this.#searchOutbox.enqueue(tx, id, "upsert");
      })
      .catch((error: unknown) => {
        throw unknownCategoryError(error, "body.categoryIds");
      });
    await this.#onChanged(id);
    return this.#writeThrough(id);
  }

  async delete(user: UserRow, id: number): Promise<void> {
    const board = await this.#boards.findById(id);
    if (!board) throw new NotFoundError("board");
    if (!canDeleteBoard(user, board)) throw new ForbiddenError("only the author or an admin deletes a board");
    await this.#database.transaction(async (tx) => {
      await this.#onDeleting(tx, id);
      if (!(await this.#boards.delete(tx, id))) throw new NotFoundError("board");
      await this.#searchOutbox.enqueue(tx, id, "delete");
    });
    await this.#onChanged(id);
    await this.#cache.delete(cacheKey(id));
  }

  async list(query: z.output<typeof BoardsQuery>): Promise<Page<BoardSummary>> {
    const { categories, ...page } = await this.#boards.list(query);
    return {
      ...page,
      items: page.items.map((row) => presentBoardSummary(row, categories.get(row.id) ?? [])),
    };
  }

  /** Stores the current detail after a change made elsewhere (an adoption) raised the version. */
  async refreshCache(id: number): Promise<void> {
    await this.#loadAndCache(id).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
  }

  async #writeThrough(id: number): Promise<Board> {
    const loaded = await this.#loadAndCache(id);
    return presentBoard(loaded.content, Number(loaded.row.view_count));
  }

  async #loadAndCache(id: number): Promise<{ row: BoardRow; content: BoardContent }> {
    const loaded = await this.#boards.load(id);
    if (!loaded) throw new NotFoundError("board");
    const { row, categories, adopted, files } = loaded;
    const content = presentBoardContent(
      row,
      categories,
      adopted && presentComment(adopted),
      files.map(presentFile),
    );
    await this.#cache.setVersioned(cacheKey(id), Number(row.version), content, CACHE_TTL_SECONDS);
    return { row, content };
  }
}
