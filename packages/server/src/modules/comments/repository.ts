import type { PageQuery } from "@codechef/contract";
import type { Db, Tx } from "../../db/database.ts";
import { fetchPage } from "../../db/pages.ts";
import type { CommentRow } from "./presenter.ts";

/** Comments with their authors' nicknames, the shape `presentComment` takes. */
function selectComments(db: Db) {
  return db
    .selectFrom("comments")
    .innerJoin("users", "users.id", "comments.author_id")
    .selectAll("comments")
    .select("users.nickname as author_nickname");
}

export class CommentRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  findById(id: number, db: Db = this.#db): Promise<CommentRow | undefined> {
    return selectComments(db).where("comments.id", "=", id).executeTakeFirst();
  }

  async insert(tx: Tx, boardId: number, authorId: number, contents: string): Promise<number> {
    const now = Date.now();
    const { insertId } = await tx
      .insertInto("comments")
      .values({ board_id: boardId, author_id: authorId, contents, created_at: now, updated_at: now })
      .executeTakeFirstOrThrow();
    return Number(insertId);
  }

  /** Edits unless the comment is adopted (or gone); false then. */
  async updateUnadopted(id: number, contents: string): Promise<boolean> {
    const result = await this.#db
      .updateTable("comments")
      .set({ contents, updated_at: Date.now() })
      .where("id", "=", id)
      .where("adopted", "=", 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** False when the comment is gone. */
  async markAdopted(tx: Tx, id: number): Promise<boolean> {
    const marked = await tx
      .updateTable("comments")
      .set({ adopted: 1 })
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(marked.numUpdatedRows) === 1;
  }

  /** Deletes unless the comment is adopted (or gone); false then. */
  async deleteUnadopted(id: number): Promise<boolean> {
    const result = await this.#db
      .deleteFrom("comments")
      .where("id", "=", id)
      .where("adopted", "=", 0)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  listByBoard(boardId: number, page: PageQuery) {
    return fetchPage(
      selectComments(this.#db).where("comments.board_id", "=", boardId).orderBy("comments.id"),
      this.#db
        .selectFrom("comments")
        .select((eb) => eb.fn.countAll<number>().as("total"))
        .where("board_id", "=", boardId),
      page,
    );
  }
}
