import type { Selectable } from "kysely";
import type { UsersTable } from "../db/schema.ts";

/** A user as stored: what authentication loads and every layer passes around. */
export type UserRow = Selectable<UsersTable>;
