import type { Comment } from "@codechef/contract";
import type { SqlDatabase } from "../../db/database.ts";
import type { BoardRow } from "../boards/presenter.ts";
import type { NotificationService } from "./service.ts";

/**
 * A comment on your board notifies you (not when you comment on your own). Runs once the comment committed: the
 * comments module offers an after-commit hook only, so this is its own transaction, with the outbox row in it.
 */
export async function notifyBoardAuthor(
  database: SqlDatabase,
  notifications: NotificationService,
  comment: Comment,
  board: BoardRow,
): Promise<void> {
  if (comment.author.id === board.author_id) return;
  await database.transaction((tx) =>
    notifications.notify(tx, board.author_id, "COMMENT", {
      boardId: board.id,
      boardTitle: board.title,
      commentId: comment.id,
      author: comment.author,
      excerpt: comment.contents.slice(0, 100),
    }),
  );
}
