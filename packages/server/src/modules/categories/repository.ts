import type { CategoryType } from "@codechef/contract";
import { isForeignKeyViolation } from "../../db/constraint-errors.ts";
import type { Db, Tx } from "../../db/database.ts";
import { ValidationError } from "../../shared/errors.ts";
import type { CategoryRow } from "./presenter.ts";

/** For a write that failed because a category it names was deleted meanwhile. */
export function unknownCategoryError(error: unknown, field: string): unknown {
  return isForeignKeyViolation(error)
    ? new ValidationError([{ path: field, message: "a category was deleted meanwhile" }], "unknown category")
    : error;
}

export class CategoryRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  list(type?: CategoryType): Promise<CategoryRow[]> {
    let select = this.#db.selectFrom("categories").selectAll();
    if (type) select = select.where("type", "=", type);
    return select.orderBy("type").orderBy("name").execute();
  }

  async insert(type: CategoryType, name: string): Promise<CategoryRow> {
    const row = { type, name, created_at: Date.now() };
    const { insertId } = await this.#db.insertInto("categories").values(row).executeTakeFirstOrThrow();
    return { id: Number(insertId), ...row };
  }

  /** False when there is no such category. */
  async update(tx: Tx, id: number, changes: { type?: CategoryType; name?: string }): Promise<boolean> {
    const updated = await tx.updateTable("categories").set(changes).where("id", "=", id).executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 || (await this.findById(id, tx)) !== undefined;
  }

  /** Raises the version of every board carrying the category, which outdates their cached detail. */
  async touchBoardsOf(tx: Tx, id: number): Promise<void> {
    await tx
      .updateTable("boards")
      .set((eb) => ({ version: eb("version", "+", 1) }))
      .where("id", "in", (eb) =>
        eb.selectFrom("board_categories").select("board_id").where("category_id", "=", id),
      )
      .execute();
  }

  /** False when there is no such category; a foreign-key violation when boards carry it. */
  async delete(id: number): Promise<boolean> {
    const deleted = await this.#db.deleteFrom("categories").where("id", "=", id).executeTakeFirst();
    return Number(deleted.numDeletedRows) === 1;
  }

  async setForUser(tx: Tx, userId: number, categoryIds: number[]): Promise<void> {
    await tx.deleteFrom("user_categories").where("user_id", "=", userId).execute();
    if (categoryIds.length === 0) return;
    await tx
      .insertInto("user_categories")
      .values(categoryIds.map((category_id) => ({ user_id: userId, category_id })))
      .execute();
  }

  findById(id: number, db: Db = this.#db): Promise<CategoryRow | undefined> {
    return db.selectFrom("categories").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Refuses ids that name no category, each in `details` under `field`. */
  async requireAll(ids: number[], field: string, db: Db = this.#db): Promise<void> {
    if (ids.length === 0) return;
    const found = await db.selectFrom("categories").select("id").where("id", "in", ids).execute();
    const known = new Set(found.map((row) => row.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ValidationError(
        unknown.map((id) => ({ path: field, message: `no category with id ${id}` })),
        "unknown category",
      );
    }
  }

  /** The categories of each board, by board id. */
  async ofBoards(boardIds: number[], db: Db = this.#db): Promise<Map<number, CategoryRow[]>> {
    const byBoard = new Map<number, CategoryRow[]>(boardIds.map((id) => [id, []]));
    if (boardIds.length === 0) return byBoard;
    const rows = await db
      .selectFrom("board_categories")
      .innerJoin("categories", "categories.id", "board_categories.category_id")
      .select(["board_categories.board_id", "categories.id", "categories.type", "categories.name"])
      .select("categories.created_at")
      .where("board_categories.board_id", "in", boardIds)
      .orderBy("categories.type")
      .orderBy("categories.name")
      .execute();
    for (const { board_id, ...category } of rows) byBoard.get(board_id)?.push(category);
    return byBoard;
  }

  ofUser(userId: number, db: Db = this.#db): Promise<CategoryRow[]> {
    return db
      .selectFrom("user_categories")
      .innerJoin("categories", "categories.id", "user_categories.category_id")
      .selectAll("categories")
      .where("user_categories.user_id", "=", userId)
      .orderBy("categories.type")
      .orderBy("categories.name")
      .execute();
  }
}
