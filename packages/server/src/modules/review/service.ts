import {
  type BoardDiff,
  type BoardEvent,
  type BoardFileInput,
  type CategoryReputation,
  type CreateThreadBody,
  linesOf,
  type Page,
  type ReplyBody,
  type ReviewComment,
  type ReviewThread,
  type Revision,
  type RevisionSummary,
  type ThreadState,
  type ThreadsQuery,
} from "@codechef/contract";
import type { z } from "zod";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import type { OutboxWriter } from "../../outbox/outbox.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import type { NotificationService } from "../notifications/service.ts";
import { carryForward, fileDiff } from "./anchors.ts";
import { languageOf } from "./languages.ts";
import {
  type FileRow,
  presentReviewComment,
  presentRevision,
  presentRevisionSummary,
  presentThread,
  type ThreadRow,
} from "./presenter.ts";
import type { LockedBoard, ReviewRepository } from "./repository.ts";

/** What the bus carries for `/topic/board.{id}`. */
export interface BoardTopicEvent {
  boardId: number;
  event: BoardEvent;
}

const TOP_CATEGORIES = 5;

export const suggestionOutdated = () =>
  new ConflictError(
    "the suggested lines changed since; suggest again on the latest revision",
    "SUGGESTION_OUTDATED",
  );

type Actor = Pick<UserRow, "id" | "nickname">;

/** Only the board's author or the thread's resolves or reopens it. */
const canSettle = (user: Actor, board: LockedBoard, thread: ThreadRow) =>
  user.id === board.author_id || user.id === thread.author_id;

/**
 * Files and their revisions, review threads anchored to lines, and who hears of them. Every new revision
 * carries each anchored thread forward through the diff: its lines moved with the hunks before them, or, when
 * any of them changed, the thread is outdated. Writes lock the board row first, so revisions and anchors are
 * made one at a time, each from the state the previous one committed.
 */
export class ReviewService {
  readonly #database: SqlDatabase;
  readonly #review: ReviewRepository;
  readonly #outbox: OutboxWriter;
  readonly #notifications: NotificationService;

  constructor(deps: {
    database: SqlDatabase;
    review: ReviewRepository;
    outbox: OutboxWriter;
    notifications: NotificationService;
  }) {
    this.#database = deps.database;
    this.#review = deps.review;
    this.#outbox = deps.outbox;
    this.#notifications = deps.notifications;
  }

  /** Revision 1 of a new board, in the transaction that creates it. */
  async startFiles(tx: Tx, boardId: number, authorId: number, files: BoardFileInput[]): Promise<void> {
    await this.#review.insertRevision(tx, { boardId, number: 1, authorId, message: null }, normalize(files));
  }

  /**
   * Makes the next revision from `files` (the whole new set) and carries the threads forward, in the caller's
   * transaction; answers its number, or undefined when the files are the same as the latest revision's.
   */
  async commitFiles(
    tx: Tx,
    boardId: number,
    author: Actor,
    files: BoardFileInput[],
    message: string | null,
  ): Promise<number | undefined> {
    const board = await this.#review.lockBoard(tx, boardId);
    if (!board) throw new NotFoundError("board");
    const next = normalize(files);
    const previous = await this.#review.lockedFiles(tx, boardId, board.revision);
    if (sameFiles(previous, next)) return undefined;
    const number = await this.#review.allocateRevision(tx, boardId);
    await this.#review.insertRevision(tx, { boardId, number, authorId: author.id, message }, next);
    const before = new Map(previous.map((file) => [file.path, file.content]));
    const after = new Map(next.map((file) => [file.path, file.content]));
    for (const thread of await this.#review.anchoredThreads(tx, boardId)) {
      const old = before.get(thread.path);
      const now = after.get(thread.path);
      const range =
        old === undefined || now === undefined
          ? null
          : carryForward(old, now, {
              startLine: Number(thread.current_start),
              endLine: Number(thread.current_end),
            });
      await this.#review.moveThread(tx, thread.id, number, range);
    }
    const revision = await this.#review.revision(boardId, number, tx);
    if (!revision) throw new NotFoundError("revision");
    const summary = presentRevisionSummary(revision);
    await this.#announce(
      tx,
      board,
      author,
      { type: "REVISION_CREATED", boardId, revision: summary },
      "BOARD_REVISION",
      {
        revision: number,
        message,
      },
    );
    return number;
  }

  async revisions(boardId: number, page: { page: number; size: number }): Promise<Page<RevisionSummary>> {
    await this.#board(boardId);
    const revisions = await this.#review.revisions(boardId, page);
    return { ...revisions, items: revisions.items.map(presentRevisionSummary) };
  }

  async revision(boardId: number, number: number): Promise<Revision> {
    const row = await this.#review.revision(boardId, number);
    if (!row) throw new NotFoundError(`revision ${number} of board ${boardId}`);
    return presentRevision(row, await this.#review.files(boardId, number));
  }

  /** `to` defaults to the latest revision, `from` to the one before `to` (to itself for revision 1). */
  async diff(boardId: number, query: { from?: number; to?: number }): Promise<BoardDiff> {
    const board = await this.#board(boardId);
    const to = query.to ?? board.revision;
    const from = query.from ?? Math.max(1, to - 1);
    const details = [
      ...(to > board.revision
        ? [{ path: "query.to", message: `the board has ${board.revision} revisions` }]
        : []),
      ...(from > board.revision
        ? [{ path: "query.from", message: `the board has ${board.revision} revisions` }]
        : []),
    ];
    if (details.length > 0) throw new ValidationError(details);
    const [before, after] = await Promise.all([
      this.#review.files(boardId, from),
      this.#review.files(boardId, to),
    ]);
    const oldFiles = new Map(before.map((file) => [file.path, file.content]));
    const newFiles = new Map(after.map((file) => [file.path, file.content]));
    const paths = [...new Set([...oldFiles.keys(), ...newFiles.keys()])].sort();
    const files = paths.flatMap((path) => fileDiff(path, oldFiles.get(path), newFiles.get(path)) ?? []);
    return { from, to, files };
  }

  async threads(boardId: number, filter: z.output<typeof ThreadsQuery>): Promise<{ items: ReviewThread[] }> {
    await this.#board(boardId);
    const threads = await this.#review.threads(boardId, filter);
    const comments = await this.#review.commentsOf(threads.map((thread) => thread.id));
    return { items: threads.map((thread) => presentThread(thread, comments.get(thread.id) ?? [])) };
  }

  async thread(id: number, db = this.#database.db): Promise<ReviewThread> {
    const row = await this.#review.thread(id, db);
    if (!row) throw new NotFoundError("thread");
    return presentThread(row, (await this.#review.commentsOf([id], db)).get(id) ?? []);
  }

  /** A thread on lines of any revision: anchored to the same lines in the latest one, when they are unchanged. */
  async createThread(
    user: UserRow,
    boardId: number,
    body: z.output<typeof CreateThreadBody>,
  ): Promise<ReviewThread> {
    return this.#database.transaction(async (tx) => {
      const board = await this.#review.lockBoard(tx, boardId);
      if (!board) throw new NotFoundError("board");
      if (body.revision > board.revision) {
        throw new ValidationError([
          { path: "body.revision", message: `the board has ${board.revision} revisions` },
        ]);
      }
      const file = (await this.#review.files(boardId, body.revision, tx)).find((f) => f.path === body.path);
      if (!file) {
        throw new ValidationError([
          { path: "body.path", message: `no such file in revision ${body.revision}` },
        ]);
      }
      const lineCount = linesOf(file.content).length;
      if (body.endLine > lineCount) {
        throw new ValidationError([{ path: "body.endLine", message: `the file has ${lineCount} lines` }]);
      }
      const range = { startLine: body.startLine, endLine: body.endLine };
      const latest =
        body.revision === board.revision
          ? file
          : (await this.#review.files(boardId, board.revision, tx)).find((f) => f.path === body.path);
      const current = latest && carryForward(file.content, latest.content, range);
      if (body.suggestion !== undefined && !current) throw suggestionOutdated();
      const now = Date.now();
      const id = await this.#review.insertThread(tx, {
        board_id: boardId,
        author_id: user.id,
        path: body.path,
        original_revision: body.revision,
        original_start: range.startLine,
        original_end: range.endLine,
        current_revision: current ? board.revision : null,
        current_start: current?.startLine ?? null,
        current_end: current?.endLine ?? null,
        state: "OPEN",
        created_at: now,
        updated_at: now,
      });
      await this.#review.insertComment(tx, {
        thread_id: id,
        author_id: user.id,
        body: body.body,
        suggestion: body.suggestion ?? null,
        created_at: now,
      });
      await this.#review.watch(boardId, user.id, tx);
      const thread = await this.thread(id, tx);
      await this.#announce(tx, board, user, { type: "THREAD_CREATED", boardId, thread }, "REVIEW_THREAD", {
        threadId: id,
        path: thread.path,
        excerpt: body.body.slice(0, 100),
      });
      return thread;
    });
  }

  async reply(user: UserRow, threadId: number, body: z.output<typeof ReplyBody>): Promise<ReviewComment> {
    const { board_id: boardId } = await this.#thread(threadId);
    return this.#database.transaction(async (tx) => {
      const board = await this.#review.lockBoard(tx, boardId);
      const thread = board && (await this.#review.thread(threadId, tx));
      if (!board || !thread) throw new NotFoundError("thread");
      if (body.suggestion !== undefined && thread.current_start === null) throw suggestionOutdated();
      const id = await this.#review.insertComment(tx, {
        thread_id: threadId,
        author_id: user.id,
        body: body.body,
        suggestion: body.suggestion ?? null,
        created_at: Date.now(),
      });
      await this.#review.touchThread(tx, threadId);
      await this.#review.watch(boardId, user.id, tx);
      const row = await this.#review.comment(id, tx);
      if (!row) throw new NotFoundError("comment");
      const comment = presentReviewComment(row);
      await this.#announce(tx, board, user, { type: "COMMENT_ADDED", boardId, comment }, "REVIEW_REPLY", {
        threadId,
        commentId: id,
        path: thread.path,
        excerpt: body.body.slice(0, 100),
      });
      return comment;
    });
  }

  resolve(user: UserRow, threadId: number): Promise<ReviewThread> {
    return this.#settle(user, threadId, "RESOLVED");
  }

  reopen(user: UserRow, threadId: number): Promise<ReviewThread> {
    return this.#settle(user, threadId, "OPEN");
  }

  /** Resolves a thread in the caller's transaction (its suggestion was applied), unless it already is. */
  async resolveIn(tx: Tx, board: LockedBoard, threadId: number, actor: Actor): Promise<void> {
    if (!(await this.#review.setState(tx, threadId, "RESOLVED"))) return;
    const thread = await this.thread(threadId, tx);
    await this.#announce(
      tx,
      board,
      actor,
      { type: "THREAD_RESOLVED", boardId: board.id, thread },
      "THREAD_RESOLVED",
      {
        threadId,
        path: thread.path,
      },
    );
  }

  async watch(user: UserRow, boardId: number): Promise<{ boardId: number; watching: boolean }> {
    await this.#board(boardId);
    await this.#review.watch(boardId, user.id);
    return { boardId, watching: true };
  }

  /** The author keeps watching their own board. */
  async unwatch(user: UserRow, boardId: number): Promise<{ boardId: number; watching: boolean }> {
    const board = await this.#board(boardId);
    await this.#review.unwatch(boardId, user.id);
    return { boardId, watching: board.author_id === user.id };
  }

  /** Anyone may follow a board that exists (boards are public). */
  async assertReadable(boardId: number): Promise<void> {
    await this.#board(boardId);
  }

  topCategories(userId: number): Promise<CategoryReputation[]> {
    return this.#review.topCategoriesOf(userId, TOP_CATEGORIES);
  }

  async #settle(user: UserRow, threadId: number, state: ThreadState): Promise<ReviewThread> {
    const found = await this.#thread(threadId);
    const board = await this.#board(found.board_id);
    if (!canSettle(user, board, found)) {
      throw new ForbiddenError("only the board's author or the thread's resolves or reopens it");
    }
    return this.#database.transaction(async (tx) => {
      const changed = await this.#review.setState(tx, threadId, state);
      const thread = await this.thread(threadId, tx);
      if (changed) {
        const type = state === "RESOLVED" ? "THREAD_RESOLVED" : "THREAD_REOPENED";
        await this.#announce(tx, board, user, { type, boardId: board.id, thread }, type, {
          threadId,
          path: thread.path,
        });
      }
      return thread;
    });
  }

  /** On the board's topic and, for each watcher but the actor, as a stored notification; all after commit. */
  async #announce(
    tx: Tx,
    board: LockedBoard,
    actor: Actor,
    event: BoardEvent,
    type: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    await this.#outbox.enqueue(tx, "board", { boardId: board.id, event } satisfies BoardTopicEvent);
    const watchers = new Set([board.author_id, ...(await this.#review.watchers(board.id, tx))]);
    watchers.delete(actor.id);
    for (const userId of watchers) {
      await this.#notifications.notify(tx, userId, type, {
        boardId: board.id,
        boardTitle: board.title,
        actor: { id: actor.id, nickname: actor.nickname },
        ...payload,
      });
    }
  }

  async #board(boardId: number): Promise<LockedBoard> {
    const board = await this.#review.findBoard(boardId);
    if (!board) throw new NotFoundError("board");
    return board;
  }

  async #thread(threadId: number): Promise<ThreadRow> {
    const thread = await this.#review.thread(threadId);
    if (!thread) throw new NotFoundError("thread");
    return thread;
  }
}

/** The files as stored: each with its language, in path order. */
function normalize(files: BoardFileInput[]): FileRow[] {
  return files
    .map((file) => ({
      path: file.path,
      language: file.language ?? languageOf(file.path),
      content: file.content,
    }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sameFiles(a: FileRow[], b: FileRow[]): boolean {
  return (
    a.length === b.length &&
    a.every((file, i) => {
      const other = b[i];
      return other?.path === file.path && other.language === file.language && other.content === file.content;
    })
  );
}
