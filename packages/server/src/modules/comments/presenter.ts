import type { Comment } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { CommentsTable } from "../../db/schema.ts";
import { iso } from "../../shared/time.ts";

export type CommentRow = Selectable<CommentsTable> & { author_nickname: string };

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
