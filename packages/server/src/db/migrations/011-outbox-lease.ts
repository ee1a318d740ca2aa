import type { Kysely } from "kysely";
import { exactText } from "./column-types.ts";

/** One row per relay: the instance that holds it until `expires_at` (epoch ms) is the only one relaying. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("relay_leases")
    .addColumn("name", exactText(db, 32), (c) => c.primaryKey())
    .addColumn("holder", exactText(db, 36))
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .execute();
  await db
    .insertInto("relay_leases" as never)
    .values({ name: "outbox", holder: null, expires_at: 0 } as never)
    .execute();
}
