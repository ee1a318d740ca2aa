import type { UserRow } from "../users/presenter.ts";
import type { BoardRow } from "./presenter.ts";

type Actor = Pick<UserRow, "id" | "role">;
type Authored = Pick<BoardRow, "author_id">;

/** Only the author edits a board: an admin moderates by deleting, never by rewriting someone's words. */
export const canEditBoard = (user: Actor, board: Authored): boolean => user.id === board.author_id;

export const canDeleteBoard = (user: Actor, board: Authored): boolean =>
  user.id === board.author_id || user.role === "ADMIN";

/** Only the one who asked accepts an answer. */
export const canAdoptOn = (user: Actor, board: Authored): boolean => user.id === board.author_id;
