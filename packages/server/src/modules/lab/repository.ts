import { sql } from "kysely";
import type { Db } from "../../db/database.ts";

/**
 * The lab's own tables, made on first use and never by a migration (lab mode is off in every deployment):
 * a balance per user for the point strategies, a copy of the hourly views without an index, and a view
 * counter for the write-behind strategy.
 */
export class LabRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** For seeding, which writes straight into the production tables. */
  get db(): Db {
    return this.#db;
  }

  async prepare(): Promise<void> {
    await this.#db.schema
      .createTable("lab_balances")
      .ifNotExists()
      .addColumn("user_id", "integer", (c) => c.primaryKey())
      .addColumn("points", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await this.#db.schema
      .createTable("lab_views_noindex")
      .ifNotExists()
      .addColumn("board_id", "integer", (c) => c.notNull())
      .addColumn("hour_start_ms", "bigint", (c) => c.notNull())
      .addColumn("views", "integer", (c) => c.notNull())
      .execute();
  }

  async resetBalance(userId: number): Promise<void> {
    await this.#db
      .deleteFrom("lab_balances" as never)
      .where("user_id" as never, "=", userId as never)
      .execute();
    await sql`INSERT INTO lab_balances (user_id, points, version) VALUES (${userId}, 0, 0)`.execute(this.#db);
  }

  async balance(userId: number): Promise<number> {
    const { rows } = await sql<{
      points: number | string;
    }>`SELECT points FROM lab_balances WHERE user_id = ${userId}`.execute(this.#db);
    return Number(rows[0]?.points ?? 0);
  }

  /** `none`: read, then write the sum — two statements with nothing between them to stop a lost update. */
  async readThenWrite(userId: number, delta: number): Promise<void> {
    const points = await this.balance(userId);
    await sql`UPDATE lab_balances SET points = ${points + delta} WHERE user_id = ${userId}`.execute(this.#db);
  }

  /** `optimistic`: write only if the version read is still current; false when another write came first. */
  async writeIfVersion(userId: number, delta: number): Promise<boolean> {
    const { rows } = await sql<{
      points: number | string;
      version: number;
    }>`SELECT points, version FROM lab_balances WHERE user_id = ${userId}`.execute(this.#db);
    const row = rows[0];
    if (!row) throw new Error(`no lab balance for user ${userId}`);
    const result =
      await sql`UPDATE lab_balances SET points = ${Number(row.points) + delta}, version = version + 1 WHERE user_id = ${userId} AND version = ${row.version}`.execute(
        this.#db,
      );
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  /** `pessimistic`: `SELECT … FOR UPDATE`, then the write, in one transaction. */
  async lockThenWrite(userId: number, delta: number): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      const { rows } = await sql<{
        points: number | string;
      }>`SELECT points FROM lab_balances WHERE user_id = ${userId} FOR UPDATE`.execute(tx);
      await sql`UPDATE lab_balances SET points = ${Number(rows[0]?.points ?? 0) + delta} WHERE user_id = ${userId}`.execute(
        tx,
      );
    });
  }

  /** `atomic`: one statement that adds in the database. */
  async addAtomically(userId: number, delta: number): Promise<void> {
    await sql`UPDATE lab_balances SET points = points + ${delta} WHERE user_id = ${userId}`.execute(this.#db);
  }

  async setBalance(userId: number, points: number): Promise<void> {
    await sql`UPDATE lab_balances SET points = ${points} WHERE user_id = ${userId}`.execute(this.#db);
  }

  /** Copies the hourly views into the table without an index (the original's unindexed ranking query). */
  async copyViewsWithoutIndex(): Promise<number> {
    await sql`DELETE FROM lab_views_noindex`.execute(this.#db);
    const result =
      await sql`INSERT INTO lab_views_noindex (board_id, hour_start_ms, views) SELECT board_id, hour_start_ms, views FROM board_views_hourly`.execute(
        this.#db,
      );
    return Number(result.numAffectedRows ?? 0);
  }

  async popularWithoutIndex(
    since: number,
    limit: number,
  ): Promise<{ id: number; title: string; views: number }[]> {
    const { rows } = await sql<{ id: number; title: string; views: number | string }>`
      SELECT b.id, b.title, SUM(v.views) AS views FROM lab_views_noindex v JOIN boards b ON b.id = v.board_id
      WHERE v.hour_start_ms >= ${since} GROUP BY b.id, b.title ORDER BY views DESC, b.id DESC LIMIT ${limit}`.execute(
      this.#db,
    );
    return rows.map((row) => ({ id: row.id, title: row.title, views: Number(row.views) }));
  }

  async keywordCounts(): Promise<{ keyword: string; count: number }[]> {
    const { rows } = await sql<{
      keyword: string;
      count: number | string;
    }>`SELECT keyword, COUNT(*) AS count FROM search_log GROUP BY keyword`.execute(this.#db);
    return rows.map((row) => ({ keyword: row.keyword, count: Number(row.count) }));
  }

  /** `read-modify-write` view: read the count, write it plus one. */
  async viewReadModifyWrite(boardId: number): Promise<void> {
    const { rows } = await sql<{
      view_count: number;
    }>`SELECT view_count FROM boards WHERE id = ${boardId}`.execute(this.#db);
    await sql`UPDATE boards SET view_count = ${Number(rows[0]?.view_count ?? 0) + 1} WHERE id = ${boardId}`.execute(
      this.#db,
    );
  }

  async addViews(boardId: number, views: number): Promise<void> {
    await sql`UPDATE boards SET view_count = view_count + ${views} WHERE id = ${boardId}`.execute(this.#db);
  }

  async viewCount(boardId: number): Promise<number> {
    const { rows } = await sql<{
      view_count: number;
    }>`SELECT view_count FROM boards WHERE id = ${boardId}`.execute(this.#db);
    return Number(rows[0]?.view_count ?? 0);
  }

  async resetViews(boardId: number): Promise<void> {
    await sql`UPDATE boards SET view_count = 0 WHERE id = ${boardId}`.execute(this.#db);
  }

  /** The search strategies the original compared, on MariaDB: a scan, a prefix index, and FULLTEXT. */
  async searchLikeScan(term: string, limit: number): Promise<{ id: number; title: string }[]> {
    const pattern = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await sql<{ id: number; title: string }>`
      SELECT id, title FROM boards WHERE title LIKE ${pattern} OR contents LIKE ${pattern} ORDER BY id DESC LIMIT ${limit}`.execute(
      this.#db,
    );
    return rows;
  }

  async searchPrefix(term: string, limit: number): Promise<{ id: number; title: string }[]> {
    const pattern = `${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows } = await sql<{ id: number; title: string }>`
      SELECT id, title FROM boards WHERE title LIKE ${pattern} ORDER BY id DESC LIMIT ${limit}`.execute(
      this.#db,
    );
    return rows;
  }

  async ensureSearchIndexes(): Promise<void> {
    const { rows } = await sql<{ Key_name: string }>`SHOW INDEX FROM boards`.execute(this.#db);
    const names = new Set(rows.map((row) => row.Key_name));
    if (!names.has("lab_boards_title_prefix"))
      await sql`CREATE INDEX lab_boards_title_prefix ON boards (title)`.execute(this.#db);
    if (!names.has("lab_boards_fulltext"))
      await sql`CREATE FULLTEXT INDEX lab_boards_fulltext ON boards (title, contents)`.execute(this.#db);
  }

  async searchFulltext(term: string, limit: number): Promise<{ id: number; title: string }[]> {
    const { rows } = await sql<{ id: number; title: string }>`
      SELECT id, title FROM boards WHERE MATCH (title, contents) AGAINST (${term} IN NATURAL LANGUAGE MODE) LIMIT ${limit}`.execute(
      this.#db,
    );
    return rows;
  }

  /** A first-come race's outcome, from the rows it wrote: the seat count, participants and ledger entries. */
  async eventOutcome(eventId: number) {
    const event = await this.#db
      .selectFrom("events")
      .select(["capacity", "taken"])
      .where("id", "=", eventId)
      .executeTakeFirst();
    const participants = await this.#db
      .selectFrom("event_participants")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("event_id", "=", eventId)
      .executeTakeFirstOrThrow();
    const ledger = await this.#db
      .selectFrom("point_ledger")
      .select((eb) => [
        eb.fn.countAll<number | string>().as("n"),
        eb.fn.sum<number | string | null>("delta").as("points"),
      ])
      .where("reference", "=", `event:${eventId}`)
      .executeTakeFirstOrThrow();
    return event
      ? {
          capacity: event.capacity,
          taken: event.taken,
          participants: Number(participants.n),
          ledgerRows: Number(ledger.n),
          points: Number(ledger.points ?? 0),
        }
      : undefined;
  }
}
