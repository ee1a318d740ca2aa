import type { UserRow } from "../users/presenter.ts";
import type { CommentRow } from "./presenter.ts";

type Actor = Pick<UserRow, "id" | "role">;
type Authored = Pick<CommentRow, "author_id">;

export const canEditComment = (user: Actor, comment: Authored): boolean => user.id === comment.author_id;

export const canDeleteComment = (user: Actor, comment: Authored): boolean =>
  user.id === comment.author_id || user.role === "ADMIN";

/** Adopting your own answer would pay yourself. */
export const canBeAdoptedBy = (user: Actor, comment: Authored): boolean => user.id !== comment.author_id;
