import { type Kysely, sql } from "kysely";
import { exactText } from "./column-types.ts";

/** `mediumtext` is MariaDB's type for up to 16 MB; SQLite reads any type naming TEXT as text. */
const longText = sql`mediumtext`;

/**
 * Files on boards, versioned as whole revisions; line-anchored review threads with their comments and
 * suggestions; who watches a board; the review points a ledger entry earned, per category of its board.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The latest revision's number, raised atomically to allocate the next (the row lock orders concurrent ones).
  await db.schema
    .alterTable("boards")
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable("board_revisions")
    .addColumn("board_id", "integer", (c) => c.notNull().references("boards.id").onDelete("cascade"))
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("author_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("message", "varchar(500)")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("board_revisions_pk", ["board_id", "number"])
    .execute();
  // Cached details from before lack `files` and `revision`: a new version outdates them.
  await (db as Kysely<{ boards: { version: number } }>)
    .updateTable("boards")
    .set((eb) => ({ version: eb("version", "+", 1) }))
    .execute();
  // Boards posted before files existed start at revision 1, with none.
  await db
    .insertInto("board_revisions" as never)
    .columns(["board_id", "number", "author_id", "message", "created_at"] as never)
    .expression(
      (db as Kysely<{ boards: { id: number; author_id: number; created_at: number } }>)
        .selectFrom("boards")
        .select((eb) => [
          "id",
          eb.lit(1).as("number"),
          "author_id",
          eb.lit(null).as("message"),
          "created_at",
        ]),
    )
    .execute();

  await db.schema
    .createTable("revision_files")
    .addColumn("board_id", "integer", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("path", exactText(db, 200), (c) => c.notNull())
    .addColumn("language", "varchar(50)", (c) => c.notNull())
    .addColumn("content", longText, (c) => c.notNull())
    .addPrimaryKeyConstraint("revision_files_pk", ["board_id", "revision", "path"])
    .addForeignKeyConstraint(
      "revision_files_revision",
      ["board_id", "revision"],
      "board_revisions",
      ["board_id", "number"],
      (fk) => fk.onDelete("cascade"),
    )
    .execute();

  await db.schema
    .createTable("review_threads")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("board_id", "integer", (c) => c.notNull().references("boards.id").onDelete("cascade"))
    .addColumn("author_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("path", exactText(db, 200), (c) => c.notNull())
    .addColumn("original_revision", "integer", (c) => c.notNull())
    .addColumn("original_start", "integer", (c) => c.notNull())
    .addColumn("original_end", "integer", (c) => c.notNull())
    // Null once the lines changed: the thread is outdated.
    .addColumn("current_revision", "integer")
    .addColumn("current_start", "integer")
    .addColumn("current_end", "integer")
    .addColumn("state", "varchar(16)", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("review_threads_board")
    .on("review_threads")
    .columns(["board_id", "path", "id"])
    .execute();

  await db.schema
    .createTable("review_comments")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("thread_id", "integer", (c) => c.notNull().references("review_threads.id").onDelete("cascade"))
    .addColumn("author_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("suggestion", longText)
    .addColumn("applied_revision", "integer")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("review_comments_thread")
    .on("review_comments")
    .columns(["thread_id", "id"])
    .execute();

  await db.schema
    .createTable("board_watchers")
    .addColumn("board_id", "integer", (c) => c.notNull().references("boards.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("board_watchers_pk", ["board_id", "user_id"])
    .execute();

  await db.schema
    .createTable("review_points")
    .addColumn("ledger_id", "integer", (c) => c.notNull().references("point_ledger.id").onDelete("cascade"))
    .addColumn("category_id", "integer", (c) => c.notNull().references("categories.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("points", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("review_points_pk", ["ledger_id", "category_id"])
    .execute();
  await db.schema
    .createIndex("review_points_category")
    .on("review_points")
    .columns(["category_id", "user_id", "points"])
    .execute();
  await db.schema
    .createIndex("review_points_created")
    .on("review_points")
    .columns(["category_id", "created_at", "user_id"])
    .execute();
}
