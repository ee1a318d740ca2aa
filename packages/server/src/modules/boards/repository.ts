import type { BoardsQuery } from "@codechef/contract";
import type { z } from "zod";
import type { Db, SqlDatabase, Tx } from "../../db/database.ts";
import { type FirstPerHour, hourStart } from "../../db/first-per-hour.ts";
import { fetchPage } from "../../db/pages.ts";
import type { CategoryRow } from "../categories/presenter.ts";
import type { CategoryRepository } from "../categories/repository.ts";
import type { CommentRow } from "../comments/presenter.ts";
import type { CommentRepository } from "../comments/repository.ts";
import type { FileRow } from "../review/presenter.ts";
import type { ReviewRepository } from "../review/repository.ts";
import type { AuthoredBoardRow, BoardRow } from "./presenter.ts";

/** A board's detail rows, all read as of one version. */
export interface BoardDetailRows {
  row: AuthoredBoardRow;
  categories: CategoryRow[];
  adopted: CommentRow | null;
  files: FileRow[];
}

export interface CountedViews {
  /** The viewers whose view counted (their first this hour), in no particular order. */
  counted: string[];
  viewCount: number;
  version: number;
  /** The board's views in the hour, as committed with these. */
  hourViews: number;
}

/** A view that is not counted rolls its viewer row back with it. */
class NoSuchBoard extends Error {}

export class BoardRepository {
  readonly #database: SqlDatabase;
  readonly #categories: CategoryRepository;
  readonly #comments: CommentRepository;
  readonly #viewers: FirstPerHour<"board_viewers">;
  readonly #review: ReviewRepository;

  constructor(
    database: SqlDatabase,
    categories: CategoryRepository,
    comments: CommentRepository,
    viewers: FirstPerHour<"board_viewers">,
    review: ReviewRepository,
  ) {
    this.#database = database;
    this.#categories = categories;
    this.#comments = comments;
    this.#viewers = viewers;
    this.#review = review;
  }

  findById(id: number, db: Db = this.#database.db): Promise<BoardRow | undefined> {
    return db.selectFrom("boards").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async insert(tx: Tx, authorId: number, title: string, contents: string, now = Date.now()): Promise<number> {
    const { insertId } = await tx
      .insertInto("boards")
      .values({ author_id: authorId, title, contents, created_at: now, updated_at: now })
      .executeTakeFirstOrThrow();
    return Number(insertId);
  }

  async setCategories(tx: Tx, boardId: number, categoryIds: number[]): Promise<void> {
    await tx.deleteFrom("board_categories").where("board_id", "=", boardId).execute();
    if (categoryIds.length === 0) return;
    await tx
      .insertInto("board_categories")
      .values(categoryIds.map((category_id) => ({ board_id: boardId, category_id })))
      .execute();
  }

  /** Applies an edit and raises the version; false when the board is gone. */
  async update(tx: Tx, id: number, changes: { title?: string; contents?: string }): Promise<boolean> {
    const result = await tx
      .updateTable("boards")
      .set((eb) => ({ ...changes, version: eb("version", "+", 1), updated_at: Date.now() }))
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Outdates the cached detail of every board that shows this user: as its author or its adopted answer's. */
  async touchShowing(tx: Tx, userId: number): Promise<void> {
    await tx
      .updateTable("boards")
      .set((eb) => ({ version: eb("version", "+", 1) }))
      .where((eb) =>
        eb.or([
          eb("author_id", "=", userId),
          eb(
            "adopted_comment_id",
            "in",
            eb.selectFrom("comments").select("id").where("author_id", "=", userId),
          ),
        ]),
      )
      .execute();
  }

  async delete(tx: Tx, id: number): Promise<boolean> {
    const result = await tx.deleteFrom("boards").where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * Counts a view on the board and in its hour for each of `viewers` (`u:{id}` or `a:{address}`) that did not
   * view it this hour yet, in one transaction, and reads the counts back; undefined when there is no such board.
   * The viewers' rows decide atomically, and both counters are atomic SQL increments, so no concurrent view is
   * lost or doubled.
   */
  async countViews(id: number, viewers: string[], now = Date.now()): Promise<CountedViews | undefined> {
    const hour = hourStart(now);
    try {
      return await this.#database.transaction(async (tx) => {
        const claimed = await this.#viewers.claimAll(
          tx,
          [...new Set(viewers)].map((viewer) => ({ hour_start_ms: hour, board_id: id, viewer })),
        );
        if (claimed.length > 0) {
          const counted = await tx
            .updateTable("boards")
            .set((eb) => ({ view_count: eb("view_count", "+", claimed.length) }))
            .where("id", "=", id)
            .executeTakeFirst();
          if (Number(counted.numUpdatedRows) === 0) throw new NoSuchBoard();
          await this.#countHourlyViews(tx, id, hour, claimed.length);
        }
        // Read under the hour row's lock when a view counted: exactly the counts this commit leaves.
        const row = await tx
          .selectFrom("boards")
          .select(["view_count", "version"])
          .select((eb) =>
            eb
              .selectFrom("board_views_hourly as h")
              .select("h.views")
              .whereRef("h.board_id", "=", "boards.id")
              .where("h.hour_start_ms", "=", hour)
              .as("hour_views"),
          )
          .where("id", "=", id)
          .executeTakeFirst();
        return (
          row && {
            counted: claimed.map((claim) => claim.viewer),
            viewCount: Number(row.view_count),
            version: Number(row.version),
            hourViews: Number(row.hour_views ?? 0),
          }
        );
      });
    } catch (error) {
      if (error instanceof NoSuchBoard) return undefined;
      throw error;
    }
  }

  async #countHourlyViews(tx: Tx, boardId: number, hourStartMs: number, views: number): Promise<void> {
    const insert = tx
      .insertInto("board_views_hourly")
      .values({ board_id: boardId, hour_start_ms: hourStartMs, views });
    const upsert =
      this.#database.capabilities.upsert === "on-duplicate-key"
        ? insert.onDuplicateKeyUpdate((eb) => ({ views: eb("views", "+", views) }))
        : insert.onConflict((conflict) =>
            conflict
              .columns(["board_id", "hour_start_ms"])
              .doUpdateSet((eb) => ({ views: eb("board_views_hourly.views", "+", views) })),
          );
    await upsert.execute();
  }

  /** Records the board's one adopted comment (raising its version); false when it already has one. */
  async claimAdoption(tx: Tx, boardId: number, commentId: number): Promise<boolean> {
    const claimed = await tx
      .updateTable("boards")
      .set((eb) => ({ adopted_comment_id: commentId, version: eb("version", "+", 1) }))
      .where("id", "=", boardId)
      .where("adopted_comment_id", "is", null)
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) === 1;
  }

  /** The detail as of one version. Parts read after the board row can only be newer than that version. */
  async load(id: number): Promise<BoardDetailRows | undefined> {
    const db = this.#database.db;
    const row: AuthoredBoardRow | undefined = await db
      .selectFrom("boards")
      .innerJoin("users", "users.id", "boards.author_id")
      .selectAll("boards")
      .select("users.nickname as author_nickname")
      .where("boards.id", "=", id)
      .executeTakeFirst();
    if (!row) return undefined;
    const categories = (await this.#categories.ofBoards([id], db)).get(id) ?? [];
    const adopted =
      row.adopted_comment_id === null ? undefined : await this.#comments.findById(row.adopted_comment_id, db);
    const files = await this.#review.files(id, row.revision, db);
    return { row, categories, adopted: adopted ?? null, files };
  }

  async list({ page, size, categoryId, authorId, sort }: z.output<typeof BoardsQuery>) {
    const db = this.#database.db;
    let select = db.selectFrom("boards");
    if (authorId) select = select.where("boards.author_id", "=", authorId);
    if (categoryId) {
      select = select.where((eb) =>
        eb.exists(
          eb
            .selectFrom("board_categories")
            .select("board_categories.board_id")
            .whereRef("board_categories.board_id", "=", "boards.id")
            .where("board_categories.category_id", "=", categoryId),
        ),
      );
    }
    const ordered =
      sort === "views"
        ? select.orderBy("boards.view_count", "desc").orderBy("boards.id", "desc")
        : select.orderBy("boards.created_at", "desc").orderBy("boards.id", "desc");
    const boards = await fetchPage(
      ordered
        .innerJoin("users", "users.id", "boards.author_id")
        .select([
          "boards.id",
          "boards.author_id",
          "boards.title",
          "boards.view_count",
          "boards.adopted_comment_id",
          "boards.version",
          "boards.revision",
          "boards.created_at",
          "boards.updated_at",
          "users.nickname as author_nickname",
        ]),
      select.select((eb) => eb.fn.countAll<number>().as("total")),
      { page, size },
    );
    const categories = await this.#categories.ofBoards(boards.items.map((row) => row.id));
    return { ...boards, categories };
  }
}
