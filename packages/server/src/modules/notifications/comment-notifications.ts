import type { Comment } from "@codechef/contract";
import type { Tx } from "../../db/database.ts";
import type { BoardRow } from "../boards/presenter.ts";
import type { NotificationService } from "./service.ts";

/** A comment on your board notifies you (not when you comment on your own), in the comment's own transaction. */
export async function notifyBoardAuthor(
  tx: Tx,
  notifications: NotificationService,
  comment: Comment,
  board: BoardRow,
): Promise<void> {
  if (comment.author.id === board.author_id) return;
  await notifications.notify(tx, board.author_id, "COMMENT", {
    boardId: board.id,
    boardTitle: board.title,
    commentId: comment.id,
    author: comment.author,
    excerpt: comment.contents.slice(0, 100),
  });
}
