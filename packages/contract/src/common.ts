import { z } from "zod";

/** A positive integer id, written in decimal digits (no `1e3`, `0x10` or `+1`); numbers pass through. */
export const Id = z
  .union([z.number(), z.string().regex(/^[1-9]\d{0,15}$/, "must be a positive whole number")])
  .transform(Number)
  .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));
export const IdParams = z.object({ id: Id });
export const Timestamp = z.iso.datetime().describe("ISO-8601 UTC");

export const MAX_PAGE_SIZE = 100;

/** A whole number written in decimal digits, as query strings carry it (no `1e2`, `0x10`, ` 5` or `+1`). */
export const QueryNumber = z
  .union([z.number(), z.string().regex(/^(0|[1-9]\d{0,15})$/, "must be a whole number in decimal digits")])
  .transform(Number)
  .pipe(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER));

export const PageQuery = z.object({
  page: QueryNumber.pipe(z.number().min(1)).default(1),
  size: QueryNumber.pipe(z.number().min(1).max(MAX_PAGE_SIZE)).default(20),
});
export type PageQuery = z.output<typeof PageQuery>;

export const CursorQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: QueryNumber.pipe(z.number().min(1).max(MAX_PAGE_SIZE)).default(20),
});
export type CursorQuery = z.output<typeof CursorQuery>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), page: z.int(), size: z.int(), total: z.int() });
}
export type Page<T> = { items: T[]; page: number; size: number; total: number };

export function cursorPageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export type CursorPage<T> = { items: T[]; nextCursor: string | null };
