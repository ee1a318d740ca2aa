import { type Kysely, MysqlAdapter, sql } from "kysely";
import { exactText } from "./column-types.ts";

/** One row per (scope, Idempotency-Key): reserved while its request runs, then the response to replay. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // MariaDB's `text` stops at 64 KiB; a board alone may be 200 KB.
  const text = sql.raw(db.getExecutor().adapter instanceof MysqlAdapter ? "mediumtext" : "text");
  await db.schema
    .createTable("idempotency_keys")
    .addColumn("scope", exactText(db, 40), (c) => c.notNull())
    .addColumn("idempotency_key", exactText(db, 100), (c) => c.notNull())
    .addColumn("fingerprint", "varchar(64)", (c) => c.notNull())
    // null while the first request runs
    .addColumn("status", "integer")
    .addColumn("body", text)
    .addColumn("location", "varchar(500)")
    .addColumn("locked_until", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["scope", "idempotency_key"])
    .execute();
  await db.schema
    .createIndex("idempotency_keys_expiry")
    .on("idempotency_keys")
    .column("expires_at")
    .execute();
}
