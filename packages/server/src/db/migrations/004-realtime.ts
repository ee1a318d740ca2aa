import { type Kysely, MysqlAdapter, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // MariaDB's `text` stops at 64 KiB.
  const text = sql.raw(db.getExecutor().adapter instanceof MysqlAdapter ? "mediumtext" : "text");

  await db.schema
    .createTable("notifications")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    // null: a broadcast to every user who existed when it was made; per-user read state in notification_reads
    .addColumn("user_id", "integer", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("type", "varchar(32)", (c) => c.notNull())
    .addColumn("payload", text, (c) => c.notNull())
    .addColumn("read_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("notifications_user").on("notifications").columns(["user_id", "id"]).execute();

  await db.schema
    .createTable("notification_reads")
    .addColumn("notification_id", "integer", (c) =>
      c.notNull().references("notifications.id").onDelete("cascade"),
    )
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("read_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("notification_reads_pk", ["notification_id", "user_id"])
    .execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("topic", "varchar(32)", (c) => c.notNull())
    .addColumn("message", text, (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("chat_rooms")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("title", "varchar(100)", (c) => c.notNull())
    .addColumn("host_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("status", "varchar(16)", (c) => c.notNull().defaultTo("OPEN"))
    .addColumn("last_seq", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("chat_rooms_status").on("chat_rooms").columns(["status", "id"]).execute();

  await db.schema
    .createTable("chat_members")
    .addColumn("room_id", "integer", (c) => c.notNull().references("chat_rooms.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("joined_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("chat_members_pk", ["room_id", "user_id"])
    .execute();
  await db.schema.createIndex("chat_members_user").on("chat_members").column("user_id").execute();

  await db.schema
    .createTable("chat_messages")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("room_id", "integer", (c) => c.notNull().references("chat_rooms.id").onDelete("cascade"))
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("type", "varchar(16)", (c) => c.notNull())
    .addColumn("sender_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("content", text, (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("chat_messages_room_seq", ["room_id", "seq"])
    .execute();
}
