import type { BoardFile, ReviewComment, ReviewThread, Revision, RevisionSummary } from "@codechef/contract";
import type { Selectable } from "kysely";
import type {
  BoardRevisionsTable,
  ReviewCommentsTable,
  ReviewThreadsTable,
  RevisionFilesTable,
} from "../../db/schema.ts";
import { iso } from "../../shared/time.ts";

export type RevisionRow = Selectable<BoardRevisionsTable> & { author_nickname: string };
export type FileRow = Pick<Selectable<RevisionFilesTable>, "path" | "language" | "content">;
export type ThreadRow = Selectable<ReviewThreadsTable> & { author_nickname: string };
export type ReviewCommentRow = Selectable<ReviewCommentsTable> & { author_nickname: string };

export function presentFile(row: FileRow): BoardFile {
  return { path: row.path, language: row.language, content: row.content };
}

export function presentRevisionSummary(row: RevisionRow): RevisionSummary {
  return {
    number: row.number,
    author: { id: row.author_id, nickname: row.author_nickname },
    message: row.message,
    createdAt: iso(row.created_at),
  };
}

export function presentRevision(row: RevisionRow, files: FileRow[]): Revision {
  return { ...presentRevisionSummary(row), boardId: row.board_id, files: files.map(presentFile) };
}

export function presentReviewComment(row: ReviewCommentRow): ReviewComment {
  return {
    id: row.id,
    threadId: row.thread_id,
    author: { id: row.author_id, nickname: row.author_nickname },
    body: row.body,
    suggestion: row.suggestion,
    appliedRevision: row.applied_revision,
    createdAt: iso(row.created_at),
  };
}

export function presentThread(row: ThreadRow, comments: ReviewCommentRow[]): ReviewThread {
  const current =
    row.current_start === null || row.current_end === null || row.current_revision === null
      ? null
      : { revision: row.current_revision, startLine: row.current_start, endLine: row.current_end };
  return {
    id: row.id,
    boardId: row.board_id,
    path: row.path,
    author: { id: row.author_id, nickname: row.author_nickname },
    original: { revision: row.original_revision, startLine: row.original_start, endLine: row.original_end },
    current,
    outdated: current === null,
    state: row.state,
    comments: comments.map(presentReviewComment),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
