import type { UserRow } from "../../shared/user-row.ts";
import type { BoardRow } from "./presenter.ts";

type Actor = Pick<UserRow, "id" | "role">;
type Authored = Pick<BoardRow, "author_id">;

/** The author, or an admin moderating (editing out an ad, say). */
export const canEditBoard = (user: Actor, board: Authored): boolean =>
  user.id === board.author_id || user.role === "ADMIN";

export const canDeleteBoard = canEditBoard;

/** Only the one who asked accepts an answer. */
export const canAdoptOn = (user: Actor, board: Authored): boolean => user.id === board.author_id;
