import type { Db } from "../../db/database.ts";
import { type FirstPerHour, hourStart } from "../../db/first-per-hour.ts";
import type { BoardDocuments, SearchDocument } from "../../ports.ts";

/** Boards and their category names, read from the boards tables. */
export class SqlBoardDocuments implements BoardDocuments {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** A document's contents are the board's text followed by each file of its latest revision, path first. */
  async load(ids: number[]): Promise<Map<number, SearchDocument>> {
    if (ids.length === 0) return new Map();
    const boards = await this.#db
      .selectFrom("boards")
      .select(["id", "version", "revision", "title", "contents"])
      .where("id", "in", ids)
      .orderBy("id")
      .execute();
    return this.#withCategories(await this.#withFiles(boards));
  }

  async liveTitles(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db.selectFrom("boards").select(["id", "title"]).where("id", "in", ids).execute();
    return new Map(rows.map((row) => [row.id, row.title]));
  }

  async *batches(size: number): AsyncIterable<SearchDocument[]> {
    for (let after = 0; ; ) {
      const boards = await this.#db
        .selectFrom("boards")
        .select(["id", "version", "revision", "title", "contents"])
        .where("id", ">", after)
        .orderBy("id")
        .limit(size)
        .execute();
      if (boards.length === 0) return;
      yield [...(await this.#withCategories(await this.#withFiles(boards))).values()];
      after = boards.at(-1)?.id ?? after;
    }
  }

  async #withFiles(
    boards: { id: number; version: number; revision: number; title: string; contents: string }[],
  ): Promise<Omit<SearchDocument, "categories">[]> {
    if (boards.length === 0) return [];
    const files = await this.#db
      .selectFrom("revision_files as f")
      .innerJoin("boards as b", (join) =>
        join.onRef("b.id", "=", "f.board_id").onRef("b.revision", "=", "f.revision"),
      )
      .select(["f.board_id", "f.path", "f.content"])
      .where(
        "f.board_id",
        "in",
        boards.map((b) => b.id),
      )
      .orderBy("f.board_id")
      .orderBy("f.path")
      .execute();
    return boards.map(({ revision: _, ...board }) => {
      const texts = files.filter((f) => f.board_id === board.id).map((f) => `${f.path}\n${f.content}`);
      return { ...board, contents: [board.contents, ...texts].join("\n\n") };
    });
  }

  async #withCategories(boards: Omit<SearchDocument, "categories">[]): Promise<Map<number, SearchDocument>> {
    const documents = new Map(
      boards.map((b) => [b.id, { ...b, categories: [] as SearchDocument["categories"] }]),
    );
    if (documents.size === 0) return documents;
    const categories = await this.#db
      .selectFrom("board_categories as bc")
      .innerJoin("categories as c", "c.id", "bc.category_id")
      .select(["bc.board_id", "c.id", "c.name"])
      .where("bc.board_id", "in", [...documents.keys()])
      .orderBy("c.id")
      .execute();
    for (const { board_id, id, name } of categories) documents.get(board_id)?.categories.push({ id, name });
    return documents;
  }
}

/**
 * Every search made, and who searched what in each hour: a keyword counts toward the ranking once per searcher
 * per hour.
 */
export class SearchLogRepository {
  readonly #db: Db;
  readonly #searchers: FirstPerHour<"keyword_searchers">;

  constructor(db: Db, searchers: FirstPerHour<"keyword_searchers">) {
    this.#db = db;
    this.#searchers = searchers;
  }

  async add(keyword: string, userId: number | null, at: number): Promise<void> {
    await this.#db.insertInto("search_log").values({ keyword, user_id: userId, created_at: at }).execute();
  }

  /** True for the first search of `keyword` by `searcher` (an actor key) in the hour of `at`. */
  firstThisHour(keyword: string, searcher: string, at: number): Promise<boolean> {
    return this.#searchers.claim(this.#db, {
      hour_start_ms: hourStart(at),
      keyword,
      searcher,
      created_at: at,
    });
  }
}
