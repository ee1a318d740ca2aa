import type { CategoryType } from "@codechef/contract";
import { isForeignKeyViolation } from "../../db/constraint-errors.ts";
import type { Db } from "../../db/database.ts";
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
