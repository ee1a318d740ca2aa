import type { CursorPage, Page, PageQuery } from "@codechef/contract";
import { ValidationError } from "../shared/errors.ts";

/** The part of a Kysely select that the list helpers use. */
interface Limitable<Row> {
  limit(limit: number): { execute(): Promise<Row[]>; offset(offset: number): { execute(): Promise<Row[]> } };
}

interface Counting {
  executeTakeFirstOrThrow(): Promise<{ total: number | string | bigint }>;
}

/** One numbered page of `rows` (already ordered) and the number of rows `count` selects as `total`. */
export async function fetchPage<Row>(
  rows: Limitable<Row>,
  count: Counting,
  { page, size }: PageQuery,
): Promise<Page<Row>> {
  const [items, counted] = await Promise.all([
    rows
      .limit(size)
      .offset((page - 1) * size)
      .execute(),
    count.executeTakeFirstOrThrow(),
  ]);
  return { items, page, size, total: Number(counted.total) };
}

/** The first `limit` of `rows` (already ordered and filtered by the cursor), with the cursor of the next page. */
export async function fetchCursorPage<Row>(
  rows: Limitable<Row>,
  limit: number,
  cursorOf: (last: Row) => number,
): Promise<CursorPage<Row>> {
  // One row more than the page holds tells whether another page follows: a full last page has no next cursor.
  const fetched = await rows.limit(limit + 1).execute();
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: fetched.length > limit && last ? String(cursorOf(last)) : null };
}

/** The id a cursor of an id-ordered list stands for; a cursor no list gave is a 400 naming `query.cursor`. */
export function idCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const id = Number(cursor);
  if (Number.isSafeInteger(id) && id > 0) return id;
  throw new ValidationError([{ path: "query.cursor", message: "not a cursor from this list" }]);
}
