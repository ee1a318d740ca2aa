import type { Kysely } from "kysely";
import { exactText } from "./column-types.ts";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("attachments")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("board_id", "integer", (c) => c.notNull().references("boards.id").onDelete("cascade"))
    .addColumn("name", exactText(db, 100), (c) => c.notNull())
    .addColumn("storage_key", exactText(db, 100), (c) => c.notNull().unique())
    .addColumn("content_type", "varchar(32)", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("width", "integer", (c) => c.notNull())
    .addColumn("height", "integer", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("attachments_board_name", ["board_id", "name"])
    .execute();

  // Objects that may have no committed row: written before their rows, or replaced. The sweeper deletes each
  // one due whose key no attachment holds.
  await db.schema
    .createTable("storage_sweep")
    .addColumn("storage_key", exactText(db, 100), (c) => c.primaryKey())
    .addColumn("due_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("storage_sweep_due").on("storage_sweep").columns(["due_at"]).execute();

  await db.schema
    .createTable("events")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("title", "varchar(200)", (c) => c.notNull())
    .addColumn("capacity", "integer", (c) => c.notNull())
    .addColumn("points", "integer", (c) => c.notNull())
    .addColumn("taken", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("starts_at", "bigint", (c) => c.notNull())
    .addColumn("ends_at", "bigint")
    .addColumn("start_notified_at", "bigint")
    .addColumn("created_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("events_start_due")
    .on("events")
    .columns(["start_notified_at", "starts_at"])
    .execute();

  await db.schema
    .createTable("event_participants")
    // No foreign key to events: its check would share-lock the event's row that the seat update then needs,
    // turning every pair of concurrent joins into a deadlock. Events are never deleted.
    .addColumn("event_id", "integer", (c) => c.notNull())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("event_participants_pk", ["event_id", "user_id"])
    .execute();

  await db.schema
    .createTable("subscriptions")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    // The user's id while the subscription is live, else null: at most one live subscription per user.
    .addColumn("live_user_id", "integer", (c) => c.unique())
    .addColumn("plan_id", "varchar(64)", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("payment_token", "varchar(255)", (c) => c.notNull())
    .addColumn("idempotency_key", exactText(db, 200))
    .addColumn("period", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("current_period_end", "bigint")
    .addColumn("points_granted", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("failed_renewals", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("renew_at", "bigint")
    .addColumn("canceled_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("subscriptions_user_key", ["user_id", "idempotency_key"])
    .execute();
  await db.schema.createIndex("subscriptions_renew").on("subscriptions").columns(["renew_at"]).execute();

  await db.schema
    .createTable("subscription_charges")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("subscription_id", "integer", (c) =>
      c.notNull().references("subscriptions.id").onDelete("cascade"),
    )
    .addColumn("period", "integer", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    /** The key the gateway sees: the same charge is never made twice, however often it is sent. */
    .addColumn("gateway_key", exactText(db, 200), (c) => c.notNull().unique())
    .addColumn("amount", "integer", (c) => c.notNull())
    .addColumn("currency", "varchar(8)", (c) => c.notNull())
    .addColumn("points", "integer", (c) => c.notNull())
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("gateway_charge_id", "varchar(255)")
    .addColumn("next_try_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("settled_at", "bigint")
    .addUniqueConstraint("subscription_charges_attempt", ["subscription_id", "period", "attempt"])
    .execute();
  await db.schema
    .createIndex("subscription_charges_due")
    .on("subscription_charges")
    .columns(["status", "next_try_at"])
    .execute();
}
