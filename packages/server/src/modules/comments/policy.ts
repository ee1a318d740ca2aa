import type { UserRow } from "../../shared/user-row.ts";
import type { CommentRow } from "./presenter.ts";

type Actor = Pick<UserRow, "id" | "role">;
type Authored = Pick<CommentRow, "author_id">;

/** The author, or an admin moderating. */
export const canEditComment = (user: Actor, comment: Authored): boolean =>
  user.id === comment.author_id || user.role === "ADMIN";

export const canDeleteComment = canEditComment;

/** Adopting your own answer would pay yourself. */
export const canBeAdoptedBy = (user: Actor, comment: Authored): boolean => user.id !== comment.author_id;
