import { z } from "zod";
import { Id, IdParams, PageQuery, pageOf, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { UserRankingPeriod } from "./rankings.ts";
import { UserRef } from "./users.ts";

export const MAX_BOARD_FILES = 10;
export const MAX_FILE_BYTES = 200 * 1024;
export const MAX_FILE_LINES = 5000;
/** A board's body with ten files at their limit, escaped as JSON, and its text. */
export const MAX_BOARD_BODY_BYTES = 4 * 1024 * 1024;

/** The lines of a text as numbered from 1: a final newline ends the last line, it does not start another. */
export function linesOf(content: string): string[] {
  if (content === "") return [];
  const lines = content.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

export const FilePath = z
  .string()
  .min(1)
  .max(200)
  .refine((path) => !path.split(/[\\/]/).includes(".."), "must not contain ..")
  .refine((path) => !path.startsWith("/"), "must be relative")
  .refine((path) => !/\p{Cc}/u.test(path), "must not contain control characters");

export const FileContent = z
  .string()
  .refine((content) => utf8Bytes(content) <= MAX_FILE_BYTES, `must not exceed ${MAX_FILE_BYTES} bytes`)
  .refine((content) => linesOf(content).length <= MAX_FILE_LINES, `must not exceed ${MAX_FILE_LINES} lines`);

export const Language = z.string().trim().min(1).max(50);

export const BoardFileInput = z.object({
  path: FilePath,
  /** Derived from the path's extension when absent (`src/app.ts` → `typescript`). */
  language: Language.optional(),
  content: FileContent,
});
export type BoardFileInput = z.input<typeof BoardFileInput>;

/** A board's whole set of files: sending it replaces the previous set and makes a new revision. */
export const BoardFilesInput = z
  .array(BoardFileInput)
  .max(MAX_BOARD_FILES)
  .superRefine((files, ctx) => {
    const seen = new Set<string>();
    files.forEach((file, i) => {
      if (seen.has(file.path)) ctx.addIssue({ code: "custom", path: [i, "path"], message: "duplicate path" });
      seen.add(file.path);
    });
  });

export const BoardFile = z.object({ path: z.string(), language: z.string(), content: z.string() });
export type BoardFile = z.infer<typeof BoardFile>;

export const RevisionMessage = z.string().trim().min(1).max(500);

export const RevisionSummary = z.object({
  number: z.number(),
  author: UserRef,
  message: z.string().nullable(),
  createdAt: Timestamp,
});
export type RevisionSummary = z.infer<typeof RevisionSummary>;

export const Revision = RevisionSummary.extend({ boardId: z.number(), files: z.array(BoardFile) });
export type Revision = z.infer<typeof Revision>;

export const RevisionParams = z.object({ id: Id, number: Id });

export const DiffQuery = z
  .object({ from: Id.optional(), to: Id.optional() })
  .describe("`to` defaults to the latest revision, `from` to the one before `to`");
export type DiffQuery = z.input<typeof DiffQuery>;

export const DiffHunk = z.object({
  oldStart: z.number(),
  oldLines: z.number(),
  newStart: z.number(),
  newLines: z.number(),
  /** Each line prefixed with ` `, `-` or `+` (or `\` for "No newline at end of file"). */
  lines: z.array(z.string()),
});
export type DiffHunk = z.infer<typeof DiffHunk>;

export const FileDiff = z.object({
  path: z.string(),
  status: z.enum(["added", "removed", "modified"]),
  /** A unified diff of the file with 3 lines of context: `--- path`/`+++ path` (`/dev/null` for no file), hunks. */
  patch: z.string(),
  hunks: z.array(DiffHunk),
});
export type FileDiff = z.infer<typeof FileDiff>;

/** Only the files that differ, in path order. */
export const BoardDiff = z.object({ from: z.number(), to: z.number(), files: z.array(FileDiff) });
export type BoardDiff = z.infer<typeof BoardDiff>;

export const LineAnchor = z.object({ revision: z.number(), startLine: z.number(), endLine: z.number() });
export type LineAnchor = z.infer<typeof LineAnchor>;

export const ThreadState = z.enum(["OPEN", "RESOLVED"]);
export type ThreadState = z.infer<typeof ThreadState>;

export const ReviewCommentBody = z.string().trim().min(1).max(10_000);

export const ReviewComment = z.object({
  id: z.number(),
  threadId: z.number(),
  author: UserRef,
  body: z.string(),
  /** Replacement text for exactly the thread's lines (empty: delete them); null for a plain comment. */
  suggestion: z.string().nullable(),
  /** The revision that applied the suggestion. */
  appliedRevision: z.number().nullable(),
  createdAt: Timestamp,
});
export type ReviewComment = z.infer<typeof ReviewComment>;

export const ReviewThread = z.object({
  id: z.number(),
  boardId: z.number(),
  path: z.string(),
  author: UserRef,
  /** Where it was written. */
  original: LineAnchor,
  /** The same lines in the latest revision; null once they changed (the thread is outdated). */
  current: LineAnchor.nullable(),
  outdated: z.boolean(),
  state: ThreadState,
  comments: z.array(ReviewComment),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ReviewThread = z.infer<typeof ReviewThread>;

const Line = z.coerce.number().int().min(1).max(MAX_FILE_LINES);

export const CreateThreadBody = z
  .object({
    revision: Id,
    path: FilePath,
    startLine: Line,
    endLine: Line,
    body: ReviewCommentBody,
    suggestion: FileContent.optional(),
  })
  .refine((body) => body.endLine >= body.startLine, {
    path: ["endLine"],
    message: "must not be before startLine",
  });
export type CreateThreadBody = z.input<typeof CreateThreadBody>;

export const ReplyBody = z.object({ body: ReviewCommentBody, suggestion: FileContent.optional() });
export type ReplyBody = z.input<typeof ReplyBody>;

export const ThreadsQuery = z.object({ path: FilePath.optional(), state: ThreadState.optional() });
export type ThreadsQuery = z.input<typeof ThreadsQuery>;

export const MAX_APPLIED_SUGGESTIONS = 50;

export const ApplySuggestionsBody = z.object({
  commentIds: z
    .array(Id)
    .min(1)
    .max(MAX_APPLIED_SUGGESTIONS)
    .refine((ids) => new Set(ids).size === ids.length, "must not repeat an id"),
  message: RevisionMessage.optional(),
});
export type ApplySuggestionsBody = z.input<typeof ApplySuggestionsBody>;

export const Watching = z.object({ boardId: z.number(), watching: z.boolean() });

export const ReviewersQuery = z.object({
  categoryId: Id,
  period: UserRankingPeriod.default("realtime"),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});
export type ReviewersQuery = z.input<typeof ReviewersQuery>;

export const RankedReviewer = z.object({ id: z.number(), nickname: z.string(), points: z.number() });
export type RankedReviewer = z.infer<typeof RankedReviewer>;

export const ReviewerRankings = z.object({ items: z.array(RankedReviewer) });
export type ReviewerRankings = z.infer<typeof ReviewerRankings>;

/** What `/topic/board.{id}` carries. */
export const BoardEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("THREAD_CREATED"), boardId: z.number(), thread: ReviewThread }),
  z.object({ type: z.literal("COMMENT_ADDED"), boardId: z.number(), comment: ReviewComment }),
  z.object({ type: z.literal("THREAD_RESOLVED"), boardId: z.number(), thread: ReviewThread }),
  z.object({ type: z.literal("THREAD_REOPENED"), boardId: z.number(), thread: ReviewThread }),
  z.object({ type: z.literal("REVISION_CREATED"), boardId: z.number(), revision: RevisionSummary }),
]);
export type BoardEvent = z.infer<typeof BoardEvent>;

export const boardTopic = (boardId: number) => `/topic/board.${boardId}`;

const ThreadParams = IdParams;

export const review = {
  revisions: endpoint({
    method: "GET",
    path: "/boards/:id/revisions",
    summary: "A board's revisions, newest first",
    access: "none",
    params: IdParams,
    query: PageQuery,
    response: pageOf(RevisionSummary),
  }),
  revision: endpoint({
    method: "GET",
    path: "/boards/:id/revisions/:number",
    summary: "One revision with its files",
    access: "none",
    params: RevisionParams,
    response: Revision,
  }),
  diff: endpoint({
    method: "GET",
    path: "/boards/:id/diff",
    summary: "What changed in the files between two revisions: a unified diff per file, and its hunks",
    access: "none",
    params: IdParams,
    query: DiffQuery,
    response: BoardDiff,
  }),
  threads: endpoint({
    method: "GET",
    path: "/boards/:id/threads",
    summary: "A board's review threads, oldest first, by path and state",
    access: "none",
    params: IdParams,
    query: ThreadsQuery,
    response: z.object({ items: z.array(ReviewThread) }),
  }),
  createThread: endpoint({
    method: "POST",
    path: "/boards/:id/threads",
    location: "/threads/:id",
    errors: { 409: ["SUGGESTION_OUTDATED"] },
    summary:
      "Start a review thread on lines of a revision's file (a suggestion replaces exactly those lines); " +
      "it follows the lines into later revisions",
    access: "user",
    status: 201,
    params: IdParams,
    body: CreateThreadBody,
    response: ReviewThread,
  }),
  thread: endpoint({
    method: "GET",
    path: "/threads/:id",
    summary: "A review thread with its comments",
    access: "none",
    params: ThreadParams,
    response: ReviewThread,
  }),
  reply: endpoint({
    method: "POST",
    path: "/threads/:id/comments",
    location: "/threads/:threadId",
    errors: { 409: ["SUGGESTION_OUTDATED"] },
    summary:
      "Reply to a thread, optionally suggesting replacement text (409 SUGGESTION_OUTDATED once outdated)",
    access: "user",
    status: 201,
    params: ThreadParams,
    body: ReplyBody,
    response: ReviewComment,
  }),
  resolve: endpoint({
    method: "POST",
    path: "/threads/:id/resolve",
    errors: { 403: ["FORBIDDEN"] },
    summary: "Resolve a thread (the board's author or the thread's)",
    access: "user",
    params: ThreadParams,
    response: ReviewThread,
  }),
  reopen: endpoint({
    method: "POST",
    path: "/threads/:id/reopen",
    errors: { 403: ["FORBIDDEN"] },
    summary: "Reopen a thread (the board's author or the thread's)",
    access: "user",
    params: ThreadParams,
    response: ReviewThread,
  }),
  applySuggestions: endpoint({
    method: "POST",
    path: "/boards/:id/suggestions/apply",
    errors: { 403: ["FORBIDDEN"], 409: ["SUGGESTION_OUTDATED", "SUGGESTIONS_OVERLAP", "SUGGESTION_APPLIED"] },
    summary:
      "Apply suggestions to your board in one new revision: 409 SUGGESTION_OUTDATED when their lines changed, " +
      "SUGGESTIONS_OVERLAP when two touch the same lines, SUGGESTION_APPLIED when one already was; " +
      "each suggester earns points",
    access: "user",
    params: IdParams,
    body: ApplySuggestionsBody,
    response: Revision,
  }),
  watch: endpoint({
    method: "POST",
    path: "/boards/:id/watchers",
    summary: "Watch a board: its threads, replies, resolutions and revisions notify you",
    access: "user",
    params: IdParams,
    response: Watching,
  }),
  unwatch: endpoint({
    method: "DELETE",
    path: "/boards/:id/watchers",
    summary: "Stop watching a board (its author always watches)",
    access: "user",
    params: IdParams,
    response: Watching,
  }),
  reviewers: endpoint({
    method: "GET",
    path: "/rankings/reviewers",
    errors: { 404: ["NOT_FOUND"] },
    summary:
      "Reviewers with the most points earned in a category (adoptions and applied suggestions on its boards): " +
      "all time, or last month (UTC)",
    access: "none",
    query: ReviewersQuery,
    response: ReviewerRankings,
  }),
};
