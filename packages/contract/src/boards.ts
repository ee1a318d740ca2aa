import { z } from "zod";
import { Category, CategoryIds } from "./categories.ts";
import { Comment } from "./comments.ts";
import { Id, IdParams, PageQuery, pageOf, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { BoardFile, BoardFilesInput, MAX_BOARD_BODY_BYTES, RevisionMessage } from "./review.ts";
import { lineOfText, utf8Bytes } from "./text.ts";
import { UserRef } from "./users.ts";

export const BoardTitle = lineOfText(1, 200);
/** 50,000 characters and 64 KiB of UTF-8, whichever comes first. */
export const BoardContents = z
  .string()
  .min(1)
  .max(50_000)
  .refine(utf8Bytes(64 * 1024), "must be at most 64 KiB (UTF-8)");

export const Board = z.object({
  id: z.int(),
  title: z.string(),
  contents: z.string(),
  author: UserRef,
  categories: z.array(Category),
  viewCount: z.int(),
  adoptedComment: Comment.nullable(),
  /** The files of the latest revision. */
  files: z.array(BoardFile),
  /** The latest revision's number: 1 at creation, one more for every change to the files. */
  revision: z.number(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Board = z.infer<typeof Board>;

/** A board in a list: no contents (up to 50,000 characters each), whether a comment was adopted. */
export const BoardSummary = Board.omit({ contents: true, adoptedComment: true, files: true }).extend({
  adopted: z.boolean(),
});
export type BoardSummary = z.infer<typeof BoardSummary>;

export const CreateBoardBody = z.object({
  title: BoardTitle,
  contents: BoardContents,
  categoryIds: CategoryIds.optional(),
  files: BoardFilesInput.optional(),
});
export type CreateBoardBody = z.input<typeof CreateBoardBody>;

export const UpdateBoardBody = z
  .object({
    title: BoardTitle.optional(),
    contents: BoardContents.optional(),
    categoryIds: CategoryIds.optional(),
    files: BoardFilesInput.optional(),
    /** Describes the new revision the files make. */
    message: RevisionMessage.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "nothing to update" })
  .refine((body) => body.message === undefined || body.files !== undefined, {
    path: ["message"],
    message: "describes a change of files: send files with it",
  });
export type UpdateBoardBody = z.input<typeof UpdateBoardBody>;

export const BoardsQuery = PageQuery.extend({
  categoryId: Id.optional(),
  authorId: Id.optional(),
  sort: z.enum(["latest", "views"]).default("latest"),
});
export type BoardsQuery = z.input<typeof BoardsQuery>;

export const boards = {
  list: endpoint({
    method: "GET",
    path: "/boards",
    summary: "Boards, newest or most viewed first, filtered by category or author",
    access: "none",
    query: BoardsQuery,
    response: pageOf(BoardSummary),
  }),
  create: endpoint({
    method: "POST",
    path: "/boards",
    summary: "Post a board",
    access: "user",
    status: 201,
    body: CreateBoardBody,
    maxBodyBytes: MAX_BOARD_BODY_BYTES,
    response: Board,
    location: "/boards/:id",
  }),
  get: endpoint({
    method: "GET",
    path: "/boards/:id",
    summary: "A board; a read counts one view, once per viewer (user, or address when anonymous) per hour",
    access: "optional",
    params: IdParams,
    response: Board,
    etag: false,
  }),
  update: endpoint({
    method: "PATCH",
    path: "/boards/:id",
    summary: "Edit your board",
    access: "user",
    params: IdParams,
    body: UpdateBoardBody,
    maxBodyBytes: MAX_BOARD_BODY_BYTES,
    response: Board,
    errors: { 403: ["FORBIDDEN"] },
  }),
  delete: endpoint({
    method: "DELETE",
    path: "/boards/:id",
    summary: "Delete a board with its comments (author or admin)",
    access: "user",
    status: 204,
    params: IdParams,
    errors: { 403: ["FORBIDDEN"] },
  }),
};
