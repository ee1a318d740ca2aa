import type { Category } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { CategoriesTable } from "../../db/schema.ts";

export type CategoryRow = Selectable<CategoriesTable>;

export function presentCategory(row: Pick<CategoryRow, "id" | "type" | "name">): Category {
  return { id: row.id, type: row.type, name: row.name };
}
