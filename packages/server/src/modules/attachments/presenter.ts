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

/** The headers a local file is served with: its detected type, never sniffed, shown inline under its name. */
export function fileHeaders(row: AttachmentRow): Record<string, string> {
  return {
    "Content-Type": row.content_type,
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": dispositionOf(row.name),
    "Content-Security-Policy": "default-src 'none'; sandbox",
    // Keys are random and never reused: a file under a key never changes.
    "Cache-Control": "public, max-age=31536000, immutable",
  };
}
