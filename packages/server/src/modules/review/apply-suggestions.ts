import { type ApplySuggestionsBody, linesOf, type Revision } from "@codechef/contract";
import type { z } from "zod";
import { afterCommit } from "../../db/after-commit.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import type { SearchOutboxWriter } from "../../outbox/search-outbox.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import type { BoardService } from "../boards/service.ts";
import type { PointsService } from "../points/service.ts";
import type { FileRow } from "./presenter.ts";
import type { LockedBoard, ReviewRepository, SuggestionRow } from "./repository.ts";
import type { Reputation } from "./reputation.ts";
import { type ReviewService, suggestionOutdated } from "./service.ts";

const DEFAULT_MESSAGE = "Apply suggestions from code review";

/** A suggestion checked against the latest revision: the lines it replaces there. */
interface Replacement {
  comment: SuggestionRow;
  path: string;
  startLine: number;
  endLine: number;
  text: string;
}

/**
 * The board's author applies suggestions in one new revision: each replaces exactly its thread's lines as they
 * are in the latest revision, is marked applied, resolves its thread and earns its author points (once, by its
 * idempotency key), counted in the board's categories. The board row is locked first, so two applications at
 * once make two consecutive revisions, the second made from the first.
 */
export class ApplySuggestions {
  readonly #database: SqlDatabase;
  readonly #review: ReviewRepository;
  readonly #reviewService: ReviewService;
  readonly #boardService: BoardService;
  readonly #points: PointsService;
  readonly #reputation: Reputation;
  readonly #searchOutbox: SearchOutboxWriter;
  readonly #suggestionPoints: number;

  constructor(deps: {
    database: SqlDatabase;
    review: ReviewRepository;
    reviewService: ReviewService;
    boardService: BoardService;
    points: PointsService;
    reputation: Reputation;
    searchOutbox: SearchOutboxWriter;
    suggestionPoints: number;
  }) {
    this.#database = deps.database;
    this.#review = deps.review;
    this.#reviewService = deps.reviewService;
    this.#boardService = deps.boardService;
    this.#points = deps.points;
    this.#reputation = deps.reputation;
    this.#searchOutbox = deps.searchOutbox;
    this.#suggestionPoints = deps.suggestionPoints;
  }

  async execute(
    user: UserRow,
    boardId: number,
    body: z.output<typeof ApplySuggestionsBody>,
  ): Promise<Revision> {
    const number = await this.#database.transaction(async (tx) => {
      const board = await this.#review.lockBoard(tx, boardId);
      if (!board) throw new NotFoundError("board");
      if (user.id !== board.author_id)
        throw new ForbiddenError("only the board's author applies suggestions");
      const replacements = await this.#replacements(tx, board, body.commentIds);
      const files = await this.#review.lockedFiles(tx, boardId, board.revision);
      const number =
        (await this.#reviewService.commitFiles(
          tx,
          boardId,
          user,
          applied(files, replacements),
          body.message ?? DEFAULT_MESSAGE,
        )) ?? board.revision;
      await this.#review.markApplied(tx, body.commentIds, number);
      for (const { comment } of replacements) {
        await this.#reviewService.resolveIn(tx, board, comment.thread_id, user);
        await this.#credit(tx, board, comment);
      }
      await this.#searchOutbox.enqueue(tx, boardId, "upsert");
      afterCommit(tx, () => this.#boardService.refreshCache(boardId));
      return number;
    });
    return this.#reviewService.revision(boardId, number);
  }

  /** Each comment's suggestion where its lines are now; refuses the batch unless every one applies cleanly. */
  async #replacements(tx: Tx, board: LockedBoard, ids: number[]): Promise<Replacement[]> {
    const found = new Map((await this.#review.suggestions(tx, board.id, ids)).map((c) => [c.id, c]));
    const missing = ids.flatMap((id, i) => {
      const comment = found.get(id);
      if (!comment) return [{ path: `body.commentIds.${i}`, message: "no review comment on this board" }];
      if (comment.suggestion === null)
        return [{ path: `body.commentIds.${i}`, message: "has no suggestion" }];
      return [];
    });
    if (missing.length > 0) throw new ValidationError(missing);
    const replacements = ids.map((id) => {
      const comment = found.get(id) as SuggestionRow;
      if (comment.applied_revision !== null) {
        throw new ConflictError(
          `suggestion ${id} was applied in revision ${comment.applied_revision}`,
          "SUGGESTION_APPLIED",
        );
      }
      const { thread } = comment;
      if (
        thread.current_start === null ||
        thread.current_end === null ||
        thread.current_revision !== board.revision
      ) {
        throw suggestionOutdated();
      }
      return {
        comment,
        path: thread.path,
        startLine: thread.current_start,
        endLine: thread.current_end,
        text: comment.suggestion as string,
      };
    });
    const ordered = [...replacements].sort(
      (a, b) => a.path.localeCompare(b.path) || a.startLine - b.startLine,
    );
    ordered.forEach((next, i) => {
      const previous = ordered[i - 1];
      if (previous && previous.path === next.path && next.startLine <= previous.endLine) {
        throw new ConflictError(
          `suggestions ${previous.comment.id} and ${next.comment.id} change the same lines`,
          "SUGGESTIONS_OVERLAP",
        );
      }
    });
    return ordered;
  }

  async #credit(tx: Tx, board: LockedBoard, comment: SuggestionRow): Promise<void> {
    if (this.#suggestionPoints <= 0 || comment.author_id === board.author_id) return;
    const { entry, replayed } = await this.#points.apply(tx, {
      userId: comment.author_id,
      delta: this.#suggestionPoints,
      reason: "APPLIED_SUGGESTION",
      reference: `review-comment:${comment.id}`,
      idempotencyKey: `suggestion:${comment.id}`,
    });
    if (!replayed) await this.#reputation.earned(tx, entry, board.id);
  }
}

/** The files with the replacements made, bottom-up in each file so earlier line numbers stay valid. */
function applied(files: FileRow[], replacements: Replacement[]): FileRow[] {
  return files.map((file) => {
    const mine = replacements.filter((r) => r.path === file.path).sort((a, b) => b.startLine - a.startLine);
    if (mine.length === 0) return file;
    const lines = linesOf(file.content);
    const endsWithNewline = file.content.endsWith("\n");
    for (const r of mine) lines.splice(r.startLine - 1, r.endLine - r.startLine + 1, ...linesOf(r.text));
    const content = lines.join("\n") + (endsWithNewline && lines.length > 0 ? "\n" : "");
    return { ...file, content };
  });
}
