import { z } from "zod";
import { IdParams } from "./common.ts";
import { endpoint } from "./endpoint.ts";

export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENT_NAME = 25;

export const Attachment = z.object({
  id: z.number(),
  name: z.string(),
  contentType: z.enum(["image/jpeg", "image/png"]),
  size: z.number(),
  width: z.number(),
  height: z.number(),
  /** Absolute (S3, CDN), or a path on the API server (`/files/{key}`) for the local directory. */
  url: z.string(),
});
export type Attachment = z.infer<typeof Attachment>;

export const AttachmentList = z.object({ items: z.array(Attachment) });

export const attachments = {
  upload: endpoint({
    method: "POST",
    path: "/boards/:id/attachments",
    location: "/boards/:id/attachments",
    errors: {
      400: ["DUPLICATE_FILE_NAME", "INVALID_FILE_NAME", "IMAGE_TOO_LARGE", "INVALID_IMAGE"],
      403: ["FORBIDDEN"],
      413: ["PAYLOAD_TOO_LARGE"],
      415: ["UNSUPPORTED_FILE_TYPE", "UNSUPPORTED_MEDIA_TYPE"],
    },
    summary:
      "Replace the board's images (multipart/form-data, field `files`; JPEG or PNG, 5 MiB each, 10 MiB in all). " +
      "Author or admin",
    access: "user",
    status: 201,
    params: IdParams,
    response: AttachmentList,
  }),
  list: endpoint({
    method: "GET",
    path: "/boards/:id/attachments",
    summary: "The board's images",
    access: "none",
    params: IdParams,
    response: AttachmentList,
  }),
  delete: endpoint({
    method: "DELETE",
    path: "/boards/:id/attachments",
    errors: { 403: ["FORBIDDEN"] },
    summary: "Remove every image of the board. Author or admin",
    access: "user",
    status: 204,
    params: IdParams,
  }),
};
