import { afterAll, beforeAll, expect, it } from "vitest";
import { SqlSearchIndex } from "../src/adapters/sql/sql-search-index.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
import { jsonLogger } from "../src/logger.ts";
import { SearchOutbox } from "../src/outbox/search-outbox.ts";
import type { BoardDocuments, SearchDocument } from "../src/ports.ts";
import { describeEachBackend } from "./support/backends.ts";
import { FlakySearchIndex } from "./support/flaky-search-index.ts";
import { testEnvironment } from "./support/test-server.ts";

/** Boards as the database holds them: what the relay must make the index agree with. */
class BoardTable implements BoardDocuments {
  readonly rows = new Map<number, SearchDocument>();
  async load(ids: number[]) {
    return new Map(
      ids.flatMap((id) => (this.rows.has(id) ? [[id, this.rows.get(id) as SearchDocument]] : [])),
    );
  }
  async liveTitles(ids: number[]) {
    return new Map([...(await this.load(ids))].map(([id, document]) => [id, document.title]));
  }
  async *batches() {
    yield [...this.rows.values()];
  }
}

describeEachBackend("search outbox relay", (backend) => {
  let database: SqlDatabase;
  let cleanup = async () => {};
  beforeAll(async () => {
    const environment = await testEnvironment(backend);
    database = openDatabase(environment.env.DATABASE_URL ?? `sqlite:${environment.env.DATA_DIR}/outbox.db`);
    await migrateToLatest(database.db);
    cleanup = environment.cleanup;
  });
  afterAll(async () => {
    await database?.close();
    await cleanup();
  });

  it("loses no change while the index is down and converges once it is back", async () => {
    const boards = new BoardTable();
    const index = new FlakySearchIndex(new SqlSearchIndex(database, { checksBoards: false }));
    const relay = new SearchOutbox({
      db: database.db,
      index,
      documents: boards,
      logger: jsonLogger("silent"),
    });
    const ids = async (text: string) =>
      (await index.search({ text, page: 1, size: 10 })).hits.map((h) => h.id);
    const write = (document: SearchDocument | number, op: "upsert" | "delete") =>
      database.transaction(async (tx) => {
        if (typeof document === "number") boards.rows.delete(document);
        else boards.rows.set(document.id, document);
        await relay.enqueue(tx, typeof document === "number" ? document : document.id, op);
      });

    await write({ id: 1, version: 1, title: "코드 리뷰", contents: "첫 글", categories: [] }, "upsert");
    await write({ id: 2, version: 1, title: "락 이야기", contents: "지울 글", categories: [] }, "upsert");
    await relay.drain();
    expect(await ids("리뷰")).toEqual([1]);

    index.down = true;
    await write(
      { id: 1, version: 2, title: "코드 리뷰 (수정)", contents: "비관적 락으로 바꿨습니다", categories: [] },
      "upsert",
    );
    await write(
      { id: 3, version: 1, title: "새 글", contents: "kysely migration", categories: [] },
      "upsert",
    );
    await write(2, "delete");
    await expect(relay.drain()).rejects.toThrow("unreachable");
    const pending = await database.db.selectFrom("search_outbox").select("board_id").execute();
    expect(pending.map((row) => row.board_id).sort()).toEqual([1, 2, 3]);

    index.down = false;
    await relay.drain();
    expect(await ids("비관적")).toEqual([1]);
    expect(await ids("kysely")).toEqual([3]);
    expect(await ids("지울")).toEqual([]);
    expect(await database.db.selectFrom("search_outbox").selectAll().execute()).toEqual([]);
  });
});
