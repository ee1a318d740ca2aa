import type { Comment } from "@codechef/contract";
import { afterCommit } from "../../db/after-commit.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { canAdoptOn } from "../boards/policy.ts";
import type { BoardRepository } from "../boards/repository.ts";
import type { BoardService } from "../boards/service.ts";
import type { LedgerRow } from "../points/presenter.ts";
import type { PointsService } from "../points/service.ts";
import { canBeAdoptedBy } from "./policy.ts";
import { presentComment } from "./presenter.ts";
import type { CommentRepository } from "./repository.ts";

/** Runs in the adoption's transaction once it credited the commenter (review points per category follow it). */
export type AdoptionCreditedHook = (tx: Tx, entry: LedgerRow, boardId: number) => Promise<unknown>;

/**
 * The board's author accepts one comment: the board records it, the comment is marked and its author earns
 * the adoption points, all in one transaction. The board's conditional update is what makes it once per board
 * however many requests race: only one of them finds `adopted_comment_id` still empty.
 */
export class AdoptComment {
  readonly #database: SqlDatabase;
  readonly #comments: CommentRepository;
  readonly #boards: BoardRepository;
  readonly #boardService: BoardService;
  readonly #points: PointsService;
  readonly #adoptionPoints: number;
  readonly #onCredited: AdoptionCreditedHook;

  constructor(deps: {
    database: SqlDatabase;
    comments: CommentRepository;
    boards: BoardRepository;
    boardService: BoardService;
    points: PointsService;
    adoptionPoints: number;
    onCredited?: AdoptionCreditedHook;
  }) {
    this.#database = deps.database;
    this.#comments = deps.comments;
    this.#boards = deps.boards;
    this.#boardService = deps.boardService;
    this.#points = deps.points;
    this.#adoptionPoints = deps.adoptionPoints;
    this.#onCredited = deps.onCredited ?? (async () => {});
  }

  execute(user: UserRow, commentId: number): Promise<Comment> {
    return this.#database.transaction(async (tx) => {
      const comment = await this.#comments.findById(commentId, tx);
      if (!comment) throw new NotFoundError("comment");
      const board = await this.#boards.findById(comment.board_id, tx);
      if (!board) throw new NotFoundError("board");
      if (!canAdoptOn(user, board)) throw new ForbiddenError("only the board's author adopts a comment");
      if (!canBeAdoptedBy(user, comment)) {
        throw new BadRequestError("you cannot adopt your own comment", "CANNOT_ADOPT_OWN");
      }
      if (!(await this.#boards.claimAdoption(tx, board.id, commentId))) {
        throw new ConflictError("this board already has an adopted comment", "ALREADY_ADOPTED");
      }
      if (!(await this.#comments.markAdopted(tx, commentId))) throw new NotFoundError("comment");
      if (this.#adoptionPoints > 0) {
        const { entry, replayed } = await this.#points.apply(tx, {
          userId: comment.author_id,
          delta: this.#adoptionPoints,
          reason: "ADOPTED_COMMENT",
          reference: `comment:${commentId}`,
          idempotencyKey: `adopt:${commentId}`,
        });
        if (!replayed) await this.#onCredited(tx, entry, board.id);
      }
      afterCommit(tx, () => this.#boardService.refreshCache(board.id));
      return presentComment({ ...comment, adopted: 1 });
    });
  }
}
