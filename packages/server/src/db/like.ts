import { type Expression, type RawBuilder, sql } from "kysely";

/** `column LIKE '%term%'` with the term's own `%`, `_` and `!` matched literally, on both dialects. */
export function contains(column: Expression<unknown>, term: string): RawBuilder<boolean> {
  return sql<boolean>`${column} like ${`%${term.replace(/[!%_]/g, "!$&")}%`} escape '!'`;
}
