import type { Comment, Page } from "@codechef/contract";
import { isForeignKeyViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import type { BoardRow } from "../boards/presenter.ts";
import type { BoardRepository } from "../boards/repository.ts";
import { canDeleteComment, canEditComment } from "./policy.ts";
import { type CommentRow, presentComment } from "./presenter.ts";
import type { CommentRepository } from "./repository.ts";

/** Called inside the transaction that stores a new comment: what it writes commits or rolls back with it. */
export type CommentCreatedHook = (tx: Tx, comment: Comment, board: BoardRow) => Promise<unknown>;

const adoptedIsFinal = () => new ConflictError("an adopted comment cannot change", "COMMENT_ADOPTED");

export class CommentService {
  readonly #database: SqlDatabase;
  readonly #comments: CommentRepository;
  readonly #boards: BoardRepository;
  readonly #onCommentCreated: CommentCreatedHook;

  constructor(deps: {
    database: SqlDatabase;
    comments: CommentRepository;
    boards: BoardRepository;
    onCommentCreated?: CommentCreatedHook;
  }) {
    this.#database = deps.database;
    this.#comments = deps.comments;
    this.#boards = deps.boards;
    this.#onCommentCreated = deps.onCommentCreated ?? (async () => {});
  }

  async list(boardId: number, page: number, size: number): Promise<Page<Comment>> {
    if (!(await this.#boards.findById(boardId))) throw new NotFoundError("board");
    const comments = await this.#comments.listByBoard(boardId, { page, size });
    return { ...comments, items: comments.items.map(presentComment) };
  }

  /** A board deleted while the comment is written fails its foreign key: that is a 404 too. */
  async create(user: UserRow, boardId: number, contents: string): Promise<Comment> {
    return this.#database
      .transaction(async (tx) => {
        const board = await this.#boards.findById(boardId, tx);
        if (!board) throw new NotFoundError("board");
        const id = await this.#comments.insert(tx, boardId, user.id, contents);
        const row = await this.#comments.findById(id, tx);
        if (!row) throw new NotFoundError("comment");
        const comment = presentComment(row);
        await this.#onCommentCreated(tx, comment, board);
        return comment;
      })
      .catch((error: unknown) => {
        throw isForeignKeyViolation(error) ? new NotFoundError("board") : error;
      });
  }

  async update(user: UserRow, id: number, contents: string): Promise<Comment> {
    const comment = await this.#find(id);
    if (!canEditComment(user, comment))
      throw new ForbiddenError("only the author or an admin edits a comment");
    if (comment.adopted) throw adoptedIsFinal();
    if (!(await this.#comments.updateUnadopted(id, contents))) throw await this.#whyUnchanged(id);
    return presentComment(await this.#find(id));
  }

  async delete(user: UserRow, id: number): Promise<void> {
    const comment = await this.#find(id);
    if (!canDeleteComment(user, comment))
      throw new ForbiddenError("only the author or an admin deletes a comment");
    if (comment.adopted) throw adoptedIsFinal();
    if (!(await this.#comments.deleteUnadopted(id))) throw await this.#whyUnchanged(id);
  }

  async #find(id: number): Promise<CommentRow> {
    const comment = await this.#comments.findById(id);
    if (!comment) throw new NotFoundError("comment");
    return comment;
  }

  /** A conditional write matched nothing: the comment was adopted or deleted meanwhile. */
  async #whyUnchanged(id: number): Promise<Error> {
    return (await this.#comments.findById(id)) ? adoptedIsFinal() : new NotFoundError("comment");
  }
}
