import type { Board, BoardFile, BoardSummary, Comment } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { BoardsTable } from "../../db/schema.ts";
import { iso } from "../../shared/time.ts";
import { type CategoryRow, presentCategory } from "../categories/presenter.ts";

export type BoardRow = Selectable<BoardsTable>;
export type AuthoredBoardRow = BoardRow & { author_nickname: string };

/** A board's detail without its view count, which always comes fresh from the database. */
export type BoardContent = Omit<Board, "viewCount">;

export function presentBoardContent(
  row: AuthoredBoardRow,
  categories: CategoryRow[],
  adoptedComment: Comment | null,
  files: BoardFile[],
): BoardContent {
  return {
    id: row.id,
    title: row.title,
    contents: row.contents,
    author: { id: row.author_id, nickname: row.author_nickname },
    categories: categories.map(presentCategory),
    adoptedComment,
    files,
    revision: row.revision,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function presentBoard(content: BoardContent, viewCount: number): Board {
  return { ...content, viewCount: Number(viewCount) };
}

export function presentBoardSummary(
  row: Omit<AuthoredBoardRow, "contents">,
  categories: CategoryRow[],
): BoardSummary {
  return {
    id: row.id,
    title: row.title,
    author: { id: row.author_id, nickname: row.author_nickname },
    categories: categories.map(presentCategory),
    viewCount: Number(row.view_count),
    adopted: row.adopted_comment_id !== null,
    revision: row.revision,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
