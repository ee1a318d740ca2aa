import type { CategoryReputation, PageQuery, ThreadState } from "@codechef/contract";
import type { Insertable } from "kysely";
import type { Db, SqlDatabase, Tx } from "../../db/database.ts";
import { fetchPage } from "../../db/pages.ts";
import type { ReviewCommentsTable, ReviewThreadsTable } from "../../db/schema.ts";
import type { LineRange } from "./anchors.ts";
import type { FileRow, ReviewCommentRow, RevisionRow, ThreadRow } from "./presenter.ts";

/** The board row a revision or a thread is written against, locked for the rest of the transaction. */
export interface LockedBoard {
  id: number;
  author_id: number;
  title: string;
  revision: number;
}

/** A comment with the thread it belongs to, as applying its suggestion needs them. */
export type SuggestionRow = ReviewCommentRow & { thread: ThreadRow };

/**
 * Revisions, their files, review threads and comments, watchers and review points. Reads taking `tx` in the
 * write paths lock what they read on MariaDB (`FOR UPDATE`): a locking read sees the latest committed rows,
 * whatever snapshot the transaction began with, so a revision is always made from the one before it.
 */
export class ReviewRepository {
  readonly #database: SqlDatabase;

  constructor(database: SqlDatabase) {
    this.#database = database;
  }

  get #db(): Db {
    return this.#database.db;
  }

  findBoard(boardId: number): Promise<LockedBoard | undefined> {
    return this.#db
      .selectFrom("boards")
      .select(["id", "author_id", "title", "revision"])
      .where("id", "=", boardId)
      .executeTakeFirst();
  }

  /**
   * Locks the board row: every write of revisions and anchors holds it, so they happen one after another. As a
   * transaction's first statement it also makes the transaction's plain reads see what was committed before.
   */
  async lockBoard(tx: Tx, boardId: number): Promise<LockedBoard | undefined> {
    return tx
      .selectFrom("boards")
      .select(["id", "author_id", "title", "revision"])
      .where("id", "=", boardId)
      .$if(this.#database.capabilities.rowLocks, (q) => q.forUpdate())
      .executeTakeFirst();
  }

  /** Raises the board's revision (and the version its cached detail goes by); answers the new number. */
  async allocateRevision(tx: Tx, boardId: number): Promise<number> {
    await tx
      .updateTable("boards")
      .set((eb) => ({
        revision: eb("revision", "+", 1),
        version: eb("version", "+", 1),
        updated_at: Date.now(),
      }))
      .where("id", "=", boardId)
      .execute();
    const row = await this.lockBoard(tx, boardId);
    if (!row) throw new Error(`board ${boardId} vanished inside its own transaction`);
    return row.revision;
  }

  async insertRevision(
    tx: Tx,
    revision: { boardId: number; number: number; authorId: number; message: string | null },
    files: FileRow[],
  ): Promise<void> {
    await tx
      .insertInto("board_revisions")
      .values({
        board_id: revision.boardId,
        number: revision.number,
        author_id: revision.authorId,
        message: revision.message,
        created_at: Date.now(),
      })
      .execute();
    if (files.length === 0) return;
    // One row per statement: ten files of 200 KB stay well under MariaDB's max_allowed_packet each.
    for (const file of files) {
      await tx
        .insertInto("revision_files")
        .values({ board_id: revision.boardId, revision: revision.number, ...file })
        .execute();
    }
  }

  /** A revision's files in path order. */
  files(boardId: number, revision: number, db: Db = this.#db): Promise<FileRow[]> {
    return db
      .selectFrom("revision_files")
      .select(["path", "language", "content"])
      .where("board_id", "=", boardId)
      .where("revision", "=", revision)
      .orderBy("path")
      .execute();
  }

  /** The same, as a locking read: the files of a revision committed after this transaction's snapshot. */
  lockedFiles(tx: Tx, boardId: number, revision: number): Promise<FileRow[]> {
    return tx
      .selectFrom("revision_files")
      .select(["path", "language", "content"])
      .where("board_id", "=", boardId)
      .where("revision", "=", revision)
      .orderBy("path")
      .$if(this.#database.capabilities.rowLocks, (q) => q.forUpdate())
      .execute();
  }

  #revisions(db: Db) {
    return db
      .selectFrom("board_revisions as r")
      .innerJoin("users as u", "u.id", "r.author_id")
      .selectAll("r")
      .select("u.nickname as author_nickname");
  }

  revision(boardId: number, number: number, db: Db = this.#db): Promise<RevisionRow | undefined> {
    return this.#revisions(db)
      .where("r.board_id", "=", boardId)
      .where("r.number", "=", number)
      .executeTakeFirst();
  }

  revisions(boardId: number, page: PageQuery) {
    return fetchPage(
      this.#revisions(this.#db).where("r.board_id", "=", boardId).orderBy("r.number", "desc"),
      this.#db
        .selectFrom("board_revisions")
        .select((eb) => eb.fn.countAll<number>().as("total"))
        .where("board_id", "=", boardId),
      page,
    );
  }

  #threads(db: Db) {
    return db
      .selectFrom("review_threads as t")
      .innerJoin("users as u", "u.id", "t.author_id")
      .selectAll("t")
      .select("u.nickname as author_nickname");
  }

  async insertThread(tx: Tx, row: Insertable<ReviewThreadsTable>): Promise<number> {
    const { insertId } = await tx.insertInto("review_threads").values(row).executeTakeFirstOrThrow();
    return Number(insertId);
  }

  thread(id: number, db: Db = this.#db): Promise<ThreadRow | undefined> {
    return this.#threads(db).where("t.id", "=", id).executeTakeFirst();
  }

  threads(boardId: number, filter: { path?: string; state?: ThreadState }): Promise<ThreadRow[]> {
    return this.#threads(this.#db)
      .where("t.board_id", "=", boardId)
      .$if(filter.path !== undefined, (q) => q.where("t.path", "=", filter.path as string))
      .$if(filter.state !== undefined, (q) => q.where("t.state", "=", filter.state as ThreadState))
      .orderBy("t.id")
      .execute();
  }

  /** The threads whose lines still exist in the latest revision, locked: each new revision carries them on. */
  anchoredThreads(tx: Tx, boardId: number) {
    return tx
      .selectFrom("review_threads")
      .select(["id", "path", "current_start", "current_end"])
      .where("board_id", "=", boardId)
      .where("current_start", "is not", null)
      .$if(this.#database.capabilities.rowLocks, (q) => q.forUpdate())
      .execute();
  }

  /** Moves a thread's current anchor to `revision`, or outdates it (`range` null). */
  async moveThread(tx: Tx, id: number, revision: number, range: LineRange | null): Promise<void> {
    await tx
      .updateTable("review_threads")
      .set({
        current_revision: range && revision,
        current_start: range?.startLine ?? null,
        current_end: range?.endLine ?? null,
      })
      .where("id", "=", id)
      .execute();
  }

  /** False when the thread already was in `state` (or is gone). */
  async setState(tx: Tx, id: number, state: ThreadState): Promise<boolean> {
    const result = await tx
      .updateTable("review_threads")
      .set({ state, updated_at: Date.now() })
      .where("id", "=", id)
      .where("state", "!=", state)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touchThread(tx: Tx, id: number): Promise<void> {
    await tx.updateTable("review_threads").set({ updated_at: Date.now() }).where("id", "=", id).execute();
  }

  #comments(db: Db) {
    return db
      .selectFrom("review_comments as c")
      .innerJoin("users as u", "u.id", "c.author_id")
      .selectAll("c")
      .select("u.nickname as author_nickname");
  }

  async insertComment(tx: Tx, row: Insertable<ReviewCommentsTable>): Promise<number> {
    const { insertId } = await tx.insertInto("review_comments").values(row).executeTakeFirstOrThrow();
    return Number(insertId);
  }

  comment(id: number, db: Db = this.#db): Promise<ReviewCommentRow | undefined> {
    return this.#comments(db).where("c.id", "=", id).executeTakeFirst();
  }

  /** The comments of each thread, oldest first. */
  async commentsOf(threadIds: number[], db: Db = this.#db): Promise<Map<number, ReviewCommentRow[]>> {
    const byThread = new Map<number, ReviewCommentRow[]>(threadIds.map((id) => [id, []]));
    if (threadIds.length === 0) return byThread;
    const rows = await this.#comments(db).where("c.thread_id", "in", threadIds).orderBy("c.id").execute();
    for (const row of rows) byThread.get(row.thread_id)?.push(row);
    return byThread;
  }

  /** The comments among `ids` with their threads, locked; those on other boards are left out. */
  async suggestions(tx: Tx, boardId: number, ids: number[]): Promise<SuggestionRow[]> {
    const comments = await this.#comments(tx)
      .innerJoin("review_threads as t", "t.id", "c.thread_id")
      .where("c.id", "in", ids)
      .where("t.board_id", "=", boardId)
      .$if(this.#database.capabilities.rowLocks, (q) => q.forUpdate())
      .execute();
    const threads = new Map<number, ThreadRow>();
    for (const threadId of new Set(comments.map((c) => c.thread_id))) {
      const thread = await this.thread(threadId, tx);
      if (thread) threads.set(threadId, thread);
    }
    return comments.flatMap((comment) => {
      const thread = threads.get(comment.thread_id);
      return thread ? [{ ...comment, thread }] : [];
    });
  }

  async markApplied(tx: Tx, ids: number[], revision: number): Promise<void> {
    await tx
      .updateTable("review_comments")
      .set({ applied_revision: revision })
      .where("id", "in", ids)
      .execute();
  }

  async watch(boardId: number, userId: number, db: Db = this.#db): Promise<void> {
    const insert = db
      .insertInto("board_watchers")
      .values({ board_id: boardId, user_id: userId, created_at: Date.now() });
    await (this.#database.capabilities.upsert === "on-duplicate-key"
      ? insert.onDuplicateKeyUpdate({ user_id: userId })
      : insert.onConflict((conflict) => conflict.doNothing())
    ).execute();
  }

  async unwatch(boardId: number, userId: number): Promise<void> {
    await this.#db
      .deleteFrom("board_watchers")
      .where("board_id", "=", boardId)
      .where("user_id", "=", userId)
      .execute();
  }

  async watchers(boardId: number, db: Db = this.#db): Promise<number[]> {
    const rows = await db
      .selectFrom("board_watchers")
      .select("user_id")
      .where("board_id", "=", boardId)
      .execute();
    return rows.map((row) => row.user_id);
  }

  /**
   * Attributes a ledger entry's points to each category of the board; answers the categories. Every category
   * is a language or a framework.
   */
  async attribute(
    tx: Tx,
    entry: { id: number; user_id: number; delta: number; created_at: number },
    boardId: number,
  ): Promise<number[]> {
    const categories = await tx
      .selectFrom("board_categories")
      .select("category_id")
      .where("board_id", "=", boardId)
      .execute();
    if (categories.length === 0) return [];
    await tx
      .insertInto("review_points")
      .values(
        categories.map(({ category_id }) => ({
          ledger_id: entry.id,
          category_id,
          user_id: entry.user_id,
          points: entry.delta,
          created_at: entry.created_at,
        })),
      )
      .execute();
    return categories.map((row) => row.category_id);
  }

  async topCategoriesOf(userId: number, limit: number): Promise<CategoryReputation[]> {
    const rows = await this.#db
      .selectFrom("review_points as p")
      .innerJoin("categories as c", "c.id", "p.category_id")
      .select(["c.id", "c.type", "c.name"])
      .select((eb) => eb.fn.sum<number | string>("p.points").as("points"))
      .where("p.user_id", "=", userId)
      .groupBy(["c.id", "c.type", "c.name"])
      .having((eb) => eb.fn.sum("p.points"), ">", 0)
      .orderBy("points", "desc")
      .orderBy("c.id")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...row, points: Number(row.points) }));
  }
}
