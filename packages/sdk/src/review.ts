import {
  type ApplySuggestionsBody,
  type CreateThreadBody,
  type DiffQuery,
  type LineAnchor,
  type PageQuery,
  type ReviewThread,
  type RevisionSummary,
  review,
  type ThreadsQuery,
} from "@codechef/contract";
import type { z } from "zod";
import type { RequestOptions } from "./client.ts";
import { listOf, NumberedPage, type PagePromise } from "./pagination.ts";
import { Resource } from "./resources.ts";

/**
 * Code review on a board's files: revisions and diffs, line-anchored threads, suggestions and watching. Live
 * events come from `client.realtime.subscribeBoard`.
 */
export class ReviewResource extends Resource {
  /** A board's revisions, newest first: a page, or `for await` over every one. */
  revisions(
    boardId: number,
    query: z.input<typeof PageQuery> = {},
    options?: RequestOptions,
  ): PagePromise<NumberedPage<RevisionSummary>> {
    return listOf(
      NumberedPage<RevisionSummary>,
      (q: z.input<typeof PageQuery>) =>
        this.client.request(review.revisions, { params: { id: boardId }, query: q }, options),
      query,
    );
  }

  /** A revision with its files. */
  revision(boardId: number, number: number, options?: RequestOptions) {
    return this.client.request(review.revision, { params: { id: boardId, number } }, options);
  }

  /** The changed files between two revisions (default: the latest and the one before), as patches and hunks. */
  diff(boardId: number, query: DiffQuery = {}, options?: RequestOptions) {
    return this.client.request(review.diff, { params: { id: boardId }, query }, options);
  }

  /** A board's threads, oldest first, optionally of one file or state. */
  async threads(
    boardId: number,
    query: ThreadsQuery = {},
    options?: RequestOptions,
  ): Promise<ReviewThread[]> {
    return (await this.client.request(review.threads, { params: { id: boardId }, query }, options)).items;
  }

  thread(id: number, options?: RequestOptions) {
    return this.client.request(review.thread, { params: { id } }, options);
  }

  /** Starts a thread on `startLine`–`endLine` of a file in `revision`, optionally suggesting their replacement. */
  startThread(boardId: number, body: CreateThreadBody, options?: RequestOptions) {
    return this.client.request(review.createThread, { params: { id: boardId }, body }, options);
  }

  /** Replies to a thread; `suggestion` replaces exactly the thread's lines when the board's author applies it. */
  reply(threadId: number, body: string, suggestion?: string, options?: RequestOptions) {
    return this.client.request(
      review.reply,
      { params: { id: threadId }, body: { body, suggestion } },
      options,
    );
  }

  resolve(threadId: number, options?: RequestOptions) {
    return this.client.request(review.resolve, { params: { id: threadId } }, options);
  }

  reopen(threadId: number, options?: RequestOptions) {
    return this.client.request(review.reopen, { params: { id: threadId } }, options);
  }

  /** Applies suggestions to your board in one new revision, which it answers. */
  applySuggestions(
    boardId: number,
    commentIds: number[],
    message?: ApplySuggestionsBody["message"],
    options?: RequestOptions,
  ) {
    return this.client.request(
      review.applySuggestions,
      { params: { id: boardId }, body: { commentIds, message } },
      options,
    );
  }

  /** Threads, replies, resolutions and revisions of the board notify you. */
  watch(boardId: number, options?: RequestOptions) {
    return this.client.request(review.watch, { params: { id: boardId } }, options);
  }

  unwatch(boardId: number, options?: RequestOptions) {
    return this.client.request(review.unwatch, { params: { id: boardId } }, options);
  }
}

/**
 * Where a thread sits when showing `revision`: its current lines in the latest revision, the lines it was
 * written on in its own; undefined in any other (an outdated thread shows only where it was written).
 */
export function anchorIn(thread: ReviewThread, revision: number): LineAnchor | undefined {
  if (thread.current?.revision === revision) return thread.current;
  if (thread.original.revision === revision) return thread.original;
  return undefined;
}

/** The threads to show on a file in `revision`, keyed by the line each ends on (where a review shows it). */
export function threadsByLine(
  threads: ReviewThread[],
  path: string,
  revision: number,
): Map<number, ReviewThread[]> {
  const byLine = new Map<number, ReviewThread[]>();
  for (const thread of threads) {
    const anchor = thread.path === path ? anchorIn(thread, revision) : undefined;
    if (!anchor) continue;
    byLine.set(anchor.endLine, [...(byLine.get(anchor.endLine) ?? []), thread]);
  }
  return byLine;
}
