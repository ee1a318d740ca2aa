/** Text handling shared by the search adapters and the keyword log: one folding rule everywhere. */

import { normalizeKeyword } from "@codechef/contract";

export const SNIPPET_WINDOW = 120;

/** The form text is matched in: Unicode NFC, lower-cased. */
export function fold(text: string): string {
  return text.normalize("NFC").toLowerCase();
}

/** The distinct whitespace-separated terms of a query; each must appear in a matching document. */
export function queryTerms(query: string): string[] {
  return [...new Set(normalizeKeyword(query).split(" ").filter(Boolean))];
}

/** Length in code points, as SQL `length`/`char_length` count. */
export function codePoints(text: string): number {
  return [...text].length;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * About `window` characters of `text` around the first match of any term, HTML-escaped, with every match wrapped
 * in `<mark>`; the start of the text when nothing matches.
 */
export function snippet(text: string, terms: string[], window = SNIPPET_WINDOW): string {
  const flat = text.replace(/\s+/gu, " ").trim();
  const pattern = terms.length
    ? new RegExp(
        [...terms]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join("|"),
        "giu",
      )
    : undefined;
  const first = pattern ? flat.search(pattern) : -1;
  const start = first < 0 ? 0 : Math.max(0, Math.min(first - window / 3, flat.length - window));
  const end = Math.min(flat.length, start + window);
  const piece = flat.slice(start, end);
  const marked = pattern
    ? piece
        .split(new RegExp(`(${pattern.source})`, "giu"))
        .map((part, i) => (i % 2 === 1 ? `<mark>${escapeHtml(part)}</mark>` : escapeHtml(part)))
        .join("")
    : escapeHtml(piece);
  return `${start > 0 ? "…" : ""}${marked}${end < flat.length ? "…" : ""}`;
}
