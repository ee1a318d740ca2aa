import type { CategoryType } from "@codechef/contract";
import { isForeignKeyViolation, isUniqueViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase } from "../../db/database.ts";
import { ConflictError, NotFoundError } from "../../shared/errors.ts";
import type { SearchOutboxWriter } from "../search/outbox.ts";
import type { CategoryRow } from "./presenter.ts";
import { type CategoryRepository, unknownCategoryError } from "./repository.ts";

const nameTaken = () => new ConflictError("a category of this type has this name", "CATEGORY_EXISTS");

export class CategoryService {
  readonly #database: SqlDatabase;
  readonly #categories: CategoryRepository;
  readonly #searchOutbox: SearchOutboxWriter;

  constructor(database: SqlDatabase, categories: CategoryRepository, searchOutbox: SearchOutboxWriter) {
    this.#database = database;
    this.#categories = categories;
    this.#searchOutbox = searchOutbox;
  }

  async create(type: CategoryType, name: string): Promise<CategoryRow> {
    const row = { type, name, created_at: Date.now() };
    try {
      const { insertId } = await this.#database.db
        .insertInto("categories")
        .values(row)
        .executeTakeFirstOrThrow();
      return { id: Number(insertId), ...row };
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
  }

  /** Boards that carry the category show its new name: their cached detail is outdated by a version bump. */
  async update(id: number, changes: { type?: CategoryType; name?: string }): Promise<CategoryRow> {
    try {
      return await this.#database.transaction(async (tx) => {
        const updated = await tx
          .updateTable("categories")
          .set(changes)
          .where("id", "=", id)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0 && !(await this.#categories.findById(id, tx))) {
          throw new NotFoundError("category");
        }
        await tx
          .updateTable("boards")
          .set((eb) => ({ version: eb("version", "+", 1) }))
          .where("id", "in", (eb) =>
            eb.selectFrom("board_categories").select("board_id").where("category_id", "=", id),
          )
          .execute();
        await this.#searchOutbox.enqueueCategory(tx, id);
        const row = await this.#categories.findById(id, tx);
        if (!row) throw new NotFoundError("category");
        return row;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
  }

  /** The foreign key from boards decides "in use", so a board tagged at the same moment cannot slip through. */
  async delete(id: number): Promise<void> {
    try {
      const deleted = await this.#database.db
        .deleteFrom("categories")
        .where("id", "=", id)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw new NotFoundError("category");
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new ConflictError("boards carry this category; retag them first", "CATEGORY_IN_USE");
      }
      throw error;
    }
  }

  async setForUser(userId: number, categoryIds: number[]): Promise<CategoryRow[]> {
    return this.#database
      .transaction(async (tx) => {
        await this.#categories.requireAll(categoryIds, "body.categoryIds", tx);
        await tx.deleteFrom("user_categories").where("user_id", "=", userId).execute();
        if (categoryIds.length > 0) {
          await tx
            .insertInto("user_categories")
            .values(categoryIds.map((category_id) => ({ user_id: userId, category_id })))
            .execute();
        }
        return this.#categories.ofUser(userId, tx);
      })
      .catch((error: unknown) => {
        throw unknownCategoryError(error, "body.categoryIds");
      });
  }
}
