import { type Kysely, MysqlAdapter, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter;
  const longText = mysql ? sql`mediumtext` : "text";

  await db.schema
    .createTable("search_outbox")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("board_id", "integer", (c) => c.notNull())
    .addColumn("op", "varchar(8)", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("search_log")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("keyword", "varchar(100)", (c) => c.notNull())
    .addColumn("user_id", "integer", (c) => c.references("users.id").onDelete("set null"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  // Covers the ranking's range scan and its GROUP BY without touching the rows.
  await db.schema
    .createIndex("search_log_created_keyword")
    .on("search_log")
    .columns(["created_at", "keyword"])
    .execute();

  await db.schema
    .createTable("search_documents")
    .addColumn("board_id", "integer", (c) => c.primaryKey())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("contents", longText, (c) => c.notNull())
    .addColumn("categories", "text", (c) => c.notNull())
    .addColumn("title_key", "text", (c) => c.notNull())
    .addColumn("contents_key", longText, (c) => c.notNull())
    .addColumn("categories_key", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("search_document_categories")
    .addColumn("category_id", "integer", (c) => c.notNull())
    .addColumn("board_id", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("search_document_categories_pk", ["category_id", "board_id"])
    .execute();
  await db.schema
    .createIndex("search_document_categories_board")
    .on("search_document_categories")
    .column("board_id")
    .execute();

  // Two-character grams per document: the index for short (Korean) words on MariaDB and for "similar" on both.
  await db.schema
    .createTable("search_bigrams")
    .addColumn(
      "gram",
      mysql ? sql`varchar(2) character set utf8mb4 collate utf8mb4_bin` : "varchar(2)",
      (c) => c.notNull(),
    )
    .addColumn("board_id", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("search_bigrams_pk", ["gram", "board_id"])
    .execute();
  await db.schema.createIndex("search_bigrams_board").on("search_bigrams").column("board_id").execute();

  if (!mysql) {
    await sql`create virtual table search_fts using fts5(title, contents, categories, tokenize = 'trigram')`.execute(
      db,
    );
  }
}
