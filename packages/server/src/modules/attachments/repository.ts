import type { Insertable } from "kysely";
import type { Db, SqlDatabase, Tx } from "../../db/database.ts";
import type { AttachmentsTable } from "../../db/schema.ts";
import type { AttachmentRow } from "./presenter.ts";

export class AttachmentRepository {
  readonly #database: SqlDatabase;

  constructor(database: SqlDatabase) {
    this.#database = database;
  }

  /** The board's author, locking the board row where the database can (uploads to one board queue up). */
  async boardAuthor(db: Db | Tx, boardId: number, lock = false): Promise<number | undefined> {
    let select = db.selectFrom("boards").select("author_id").where("id", "=", boardId);
    if (lock && this.#database.capabilities.rowLocks) select = select.forUpdate();
    return (await select.executeTakeFirst())?.author_id;
  }

  ofBoard(boardId: number, db: Db | Tx = this.#database.db): Promise<AttachmentRow[]> {
    return db.selectFrom("attachments").selectAll().where("board_id", "=", boardId).orderBy("id").execute();
  }

  byKey(key: string): Promise<AttachmentRow | undefined> {
    return this.#database.db
      .selectFrom("attachments")
      .selectAll()
      .where("storage_key", "=", key)
      .executeTakeFirst();
  }

  async replace(tx: Tx, boardId: number, rows: Insertable<AttachmentsTable>[]): Promise<void> {
    await tx.deleteFrom("attachments").where("board_id", "=", boardId).execute();
    if (rows.length > 0) await tx.insertInto("attachments").values(rows).execute();
  }

  /** Marks objects for the sweeper, due at `dueAt`. */
  async scheduleSweep(db: Db | Tx, keys: string[], dueAt: number): Promise<void> {
    if (keys.length === 0) return;
    await db
      .insertInto("storage_sweep")
      .values(keys.map((storage_key) => ({ storage_key, due_at: dueAt })))
      .execute();
  }

  async unscheduleSweep(db: Db | Tx, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await db.deleteFrom("storage_sweep").where("storage_key", "in", keys).execute();
  }

  /** Swept objects due by `now` that no attachment holds. */
  async dueSweeps(now: number, limit: number): Promise<{ key: string; held: boolean }[]> {
    const rows = await this.#database.db
      .selectFrom("storage_sweep as s")
      .leftJoin("attachments as a", "a.storage_key", "s.storage_key")
      .select(["s.storage_key", "a.id"])
      .where("s.due_at", "<=", now)
      .orderBy("s.due_at")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ key: row.storage_key, held: row.id !== null }));
  }
}
