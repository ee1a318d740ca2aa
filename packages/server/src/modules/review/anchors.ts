import type { DiffHunk, FileDiff } from "@codechef/contract";
import { FILE_HEADERS_ONLY, formatPatch, structuredPatch } from "diff";

export interface LineRange {
  startLine: number;
  endLine: number;
}

/** The changes from `before` to `after`, no context: each hunk is exactly the lines that changed. */
function changes(before: string, after: string): DiffHunk[] {
  return structuredPatch("", "", before, after, undefined, undefined, { context: 0 }).hunks;
}

/**
 * Where lines `startLine`–`endLine` of `before` are in `after`, through the diff's hunks; null when any of them
 * changed or lines were inserted between them. A hunk that removes no line inserts before its `oldStart`.
 */
export function carryForward(before: string, after: string, range: LineRange): LineRange | null {
  let shift = 0;
  for (const hunk of changes(before, after)) {
    const firstChanged = hunk.oldStart;
    const lastChanged = hunk.oldStart + hunk.oldLines - 1;
    if (hunk.oldLines === 0) {
      if (firstChanged > range.endLine) break;
      if (firstChanged > range.startLine) return null;
    } else {
      if (firstChanged > range.endLine) break;
      if (lastChanged >= range.startLine) return null;
    }
    shift += hunk.newLines - hunk.oldLines;
  }
  return { startLine: range.startLine + shift, endLine: range.endLine + shift };
}

/** One file's change between two revisions (a side without the file is `/dev/null`); undefined when unchanged. */
export function fileDiff(
  path: string,
  before: string | undefined,
  after: string | undefined,
): FileDiff | undefined {
  if (before === after) return undefined;
  const status = before === undefined ? "added" : after === undefined ? "removed" : "modified";
  const patch = structuredPatch(
    before === undefined ? "/dev/null" : path,
    after === undefined ? "/dev/null" : path,
    before ?? "",
    after ?? "",
    undefined,
    undefined,
    { context: 3 },
  );
  return { path, status, patch: formatPatch(patch, FILE_HEADERS_ONLY), hunks: patch.hunks };
}
