import type { Comment } from "@codechef/contract";
import type { Tx } from "../../db/database.ts";
import type { Limiter } from "../../ports.ts";
import type { BoardRow } from "../boards/presenter.ts";
import type { NotificationService } from "./service.ts";

/** How many notifications one commenter may cause one board author per hour (a limiter with an hour's window). */
export interface NotificationCap {
  perHour: number;
  counter: Limiter;
}

/**
 * A comment on your board notifies you (not when you comment on your own), in the comment's own transaction. Past
 * the cap, one more notification says more came (`collapsed: true`) and the rest of the hour stays quiet.
 */
export async function notifyBoardAuthor(
  tx: Tx,
  notifications: NotificationService,
  comment: Comment,
  board: BoardRow,
  cap?: NotificationCap,
): Promise<void> {
  if (comment.author.id === board.author_id) return;
  const sent = cap
    ? (await cap.counter.penalty(`${comment.author.id}:${board.author_id}`)).consumedPoints
    : 0;
  if (cap && sent > cap.perHour + 1) return;
  await notifications.notify(tx, board.author_id, "COMMENT", {
    boardId: board.id,
    boardTitle: board.title,
    commentId: comment.id,
    author: comment.author,
    excerpt: comment.contents.slice(0, 100),
    ...(cap && sent > cap.perHour && { collapsed: true }),
  });
}
