import { type Kysely, sql } from "kysely";
import { caseInsensitiveText, exactText } from "./column-types.ts";

/** `mediumtext` is MariaDB's type for up to 16 MB; SQLite reads any type naming TEXT as text. */
const longText = sql`mediumtext`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("categories")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("type", "varchar(16)", (c) => c.notNull())
    .addColumn("name", caseInsensitiveText(db, 50), (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("categories_type_name", ["type", "name"])
    .execute();

  await db.schema
    .createTable("user_categories")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("category_id", "integer", (c) => c.notNull().references("categories.id").onDelete("cascade"))
    .addPrimaryKeyConstraint("user_categories_pk", ["user_id", "category_id"])
    .execute();

  await db.schema
    .createTable("boards")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("author_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("title", "varchar(200)", (c) => c.notNull())
    .addColumn("contents", longText, (c) => c.notNull())
    .addColumn("view_count", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("adopted_comment_id", "integer")
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("boards_created").on("boards").columns(["created_at", "id"]).execute();
  await db.schema.createIndex("boards_views").on("boards").columns(["view_count", "id"]).execute();
  await db.schema.createIndex("boards_author").on("boards").columns(["author_id", "id"]).execute();

  await db.schema
    .createTable("board_categories")
    .addColumn("board_id", "integer", (c) => c.notNull().references("boards.id").onDelete("cascade"))
    // No cascade: a category some board carries cannot be deleted (CATEGORY_IN_USE).
    .addColumn("category_id", "integer", (c) => c.notNull().references("categories.id"))
    .addPrimaryKeyConstraint("board_categories_pk", ["board_id", "category_id"])
    .execute();
  await db.schema
    .createIndex("board_categories_category")
    .on("board_categories")
    .columns(["category_id", "board_id"])
    .execute();

  await db.schema
    .createTable("board_views_hourly")
    .addColumn("board_id", "integer", (c) => c.notNull().references("boards.id").onDelete("cascade"))
    .addColumn("hour_start_ms", "bigint", (c) => c.notNull())
    .addColumn("views", "bigint", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("board_views_hourly_pk", ["board_id", "hour_start_ms"])
    .execute();
  await db.schema
    .createIndex("board_views_hourly_hour")
    .on("board_views_hourly")
    .columns(["hour_start_ms", "board_id"])
    .execute();

  await db.schema
    .createTable("comments")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("board_id", "integer", (c) => c.notNull().references("boards.id").onDelete("cascade"))
    .addColumn("author_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("contents", "text", (c) => c.notNull())
    .addColumn("adopted", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("comments_board").on("comments").columns(["board_id", "id"]).execute();

  await db.schema
    .createTable("point_ledger")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("delta", "bigint", (c) => c.notNull())
    .addColumn("reason", "varchar(200)", (c) => c.notNull())
    .addColumn("reference", "varchar(200)")
    .addColumn("idempotency_key", exactText(db, 200), (c) => c.unique())
    .addColumn("balance_after", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("point_ledger_user").on("point_ledger").columns(["user_id", "id"]).execute();

  await db.schema
    .createTable("warnings")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("issued_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("reason", "varchar(500)", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("warnings_user").on("warnings").columns(["user_id", "id"]).execute();
}
