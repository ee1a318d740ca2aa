import type { Category, CategoryType } from "@codechef/contract";
import { isForeignKeyViolation, isUniqueViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase } from "../../db/database.ts";
import type { SearchOutboxWriter } from "../../outbox/search-outbox.ts";
import { ConflictError, NotFoundError } from "../../shared/errors.ts";
import { presentCategory } from "./presenter.ts";
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

  async list(type?: CategoryType): Promise<Category[]> {
    return (await this.#categories.list(type)).map(presentCategory);
  }

  async create(type: CategoryType, name: string): Promise<Category> {
    try {
      return presentCategory(await this.#categories.insert(type, name));
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
  }

  /** Boards that carry the category show its new name: their cached detail is outdated by a version bump. */
  async update(id: number, changes: { type?: CategoryType; name?: string }): Promise<Category> {
    try {
      return await this.#database.transaction(async (tx) => {
        if (!(await this.#categories.update(tx, id, changes))) throw new NotFoundError("category");
        await this.#categories.touchBoardsOf(tx, id);
        await this.#searchOutbox.enqueueCategory(tx, id);
        const row = await this.#categories.findById(id, tx);
        if (!row) throw new NotFoundError("category");
        return presentCategory(row);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
  }

  /** The foreign key from boards decides "in use", so a board tagged at the same moment cannot slip through. */
  async delete(id: number): Promise<void> {
    try {
      if (!(await this.#categories.delete(id))) throw new NotFoundError("category");
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new ConflictError("boards carry this category; retag them first", "CATEGORY_IN_USE");
      }
      throw error;
    }
  }

  async setForUser(userId: number, categoryIds: number[]): Promise<Category[]> {
    return this.#database
      .transaction(async (tx) => {
        await this.#categories.requireAll(categoryIds, "body.categoryIds", tx);
        await this.#categories.setForUser(tx, userId, categoryIds);
        return (await this.#categories.ofUser(userId, tx)).map(presentCategory);
      })
      .catch((error: unknown) => {
        throw unknownCategoryError(error, "body.categoryIds");
      });
  }
}
