import type { Comment } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { Db } from "../../db/database.ts";
import type { CommentsTable } from "../../db/schema.ts";
import { iso } from "../../shared/time.ts";

export type CommentRow = Selectable<CommentsTable> & { author_nickname: string };

/** Comments with their authors' nicknames, the shape `presentComment` takes. */
export function selectComments(db: Db) {
  return db
    .selectFrom("comments")
    .innerJoin("users", "users.id", "comments.author_id")
    .selectAll("comments")
    .select("users.nickname as author_nickname");
}

export function presentComment(row: CommentRow): Comment {
  return {
    id: row.id,
    boardId: row.board_id,
    author: { id: row.author_id, nickname: row.author_nickname },
    contents: row.contents,
    adopted: Boolean(row.adopted),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
