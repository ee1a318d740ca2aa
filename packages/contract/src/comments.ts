import { z } from "zod";
import { IdParams, PageQuery, pageOf, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { UserRef } from "./users.ts";

export const CommentContents = z.string().min(1).max(10_000);

export const Comment = z.object({
  id: z.int(),
  boardId: z.int(),
  author: UserRef,
  contents: z.string(),
  adopted: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Comment = z.infer<typeof Comment>;

export const CommentBody = z.object({ contents: CommentContents });
export type CommentBody = z.input<typeof CommentBody>;

export const CommentsQuery = PageQuery;
export type CommentsQuery = z.input<typeof CommentsQuery>;

export const comments = {
  list: endpoint({
    method: "GET",
    path: "/boards/:id/comments",
    summary: "A board's comments, oldest first",
    access: "none",
    params: IdParams,
    query: CommentsQuery,
    response: pageOf(Comment),
  }),
  create: endpoint({
    method: "POST",
    path: "/boards/:id/comments",
    summary: "Comment on a board",
    access: "user",
    status: 201,
    params: IdParams,
    body: CommentBody,
    response: Comment,
    location: "/comments/:id",
  }),
  update: endpoint({
    method: "PATCH",
    path: "/comments/:id",
    summary: "Edit your comment; an adopted comment is final (409 COMMENT_ADOPTED)",
    access: "user",
    params: IdParams,
    body: CommentBody,
    response: Comment,
    errors: { 403: ["FORBIDDEN"], 409: ["COMMENT_ADOPTED"] },
  }),
  delete: endpoint({
    method: "DELETE",
    path: "/comments/:id",
    summary: "Delete a comment (author or admin); an adopted comment stays (409 COMMENT_ADOPTED)",
    access: "user",
    status: 204,
    params: IdParams,
    errors: { 403: ["FORBIDDEN"], 409: ["COMMENT_ADOPTED"] },
  }),
  adopt: endpoint({
    method: "POST",
    path: "/comments/:id/adopt",
    summary:
      "Adopt a comment on your board: once per board (409 ALREADY_ADOPTED), not your own (400 CANNOT_ADOPT_OWN); " +
      "its author earns the adoption points",
    access: "user",
    params: IdParams,
    response: Comment,
    errors: { 400: ["CANNOT_ADOPT_OWN"], 403: ["FORBIDDEN"], 409: ["ALREADY_ADOPTED"] },
  }),
};
