import type { Attachment } from "@codechef/contract";
import { create as contentDisposition } from "content-disposition";
import type { Selectable } from "kysely";
import type { AttachmentsTable } from "../../db/schema.ts";

export type AttachmentRow = Selectable<AttachmentsTable>;

export function presentAttachment(row: AttachmentRow, url: string): Attachment {
  return {
    id: row.id,
    name: row.name,
    contentType: row.content_type,
    size: row.size,
    width: row.width,
    height: row.height,
    url,
  };
}

/** Shown inline, the name quoted and RFC 5987-encoded: a name can never add a header or a path. */
export function dispositionOf(name: string): string {
  return contentDisposition(name, { type: "inline" });
}
