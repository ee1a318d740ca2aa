import type { Insertable } from "kysely";
import { LRUCache } from "lru-cache";
import { raiseGeneration } from "../../db/counters.ts";
import type { Db, SqlDatabase } from "../../db/database.ts";
import { type FirstPerHour, hourStart } from "../../db/first-per-hour.ts";
import type { KeywordSearchersTable, SearchLogTable } from "../../db/schema.ts";
import type { BoardDocuments, SearchDocument } from "../../ports.ts";
import { KeyedBatches } from "../../shared/batches.ts";

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

// MariaDB may hand bigint columns back as strings.
const searcherKey = (row: KeywordSearchersTable) =>
  JSON.stringify([Number(row.hour_start_ms), row.keyword, row.searcher]);

/**
 * Every search made, and who searched what in each hour: a keyword counts toward the ranking once per searcher
 * per hour. Searches that queue while a statement runs are written together by the next one.
 */
export class SearchLogRepository {
  readonly #database: SqlDatabase;
  readonly #searchers: FirstPerHour<"keyword_searchers">;
  readonly #log = new KeyedBatches<"log", Insertable<SearchLogTable>, undefined>(async (_, rows) => {
    await this.#database.db.insertInto("search_log").values(rows).execute();
    return rows.map(() => undefined);
  });
  readonly #claims = new KeyedBatches<"claims", KeywordSearchersTable, boolean>(async (_, rows) => {
    const claimed = await this.#database.transaction(async (tx) => {
      const inserted = await this.#searchers.claimAll(tx, rows);
      // The SQL keyword ranking is kept until a searcher is added.
      if (inserted.length > 0) await raiseGeneration(tx, "keyword_generation");
      return new Set(inserted.map(searcherKey));
    });
    // Of one key asked twice in a batch, the first is the claim.
    return rows.map((row) => claimed.delete(searcherKey(row)));
  });

  /** Keys this process has seen claimed (by any instance): their row stays for the hour, so no statement asks. */
  readonly #seen = new LRUCache<string, true>({ max: 100_000 });

  constructor(database: SqlDatabase, searchers: FirstPerHour<"keyword_searchers">) {
    this.#database = database;
    this.#searchers = searchers;
  }

  add(keyword: string, userId: number | null, at: number): Promise<void> {
    return this.#log.submit("log", { keyword, user_id: userId, created_at: at });
  }

  /** True for the first search of `keyword` by `searcher` (an actor key) in the hour of `at`. */
  async firstThisHour(keyword: string, searcher: string, at: number): Promise<boolean> {
    const row = { hour_start_ms: hourStart(at), keyword, searcher, created_at: at };
    const key = searcherKey(row);
    if (this.#seen.has(key)) return false;
    const first = await this.#claims.submit("claims", row);
    this.#seen.set(key, true);
    return first;
  }
}
