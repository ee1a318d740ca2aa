import { type Kysely, MysqlAdapter, sql } from "kysely";
import { exactText } from "./column-types.ts";

/** Accent- and emoji-correct on MariaDB 10.10+ (UCA 14), MySQL 8 (UCA 9), older MariaDB (UCA 5.2). */
const UNICODE_COLLATIONS = ["utf8mb4_uca1400_as_ci", "utf8mb4_0900_as_ci", "utf8mb4_unicode_520_ci"];

interface TextColumn {
  table_name: string;
  column_name: string;
  column_type: string;
  is_nullable: "YES" | "NO";
  column_default: string | null;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per viewer of a board per hour: inserting it decides whether a view counts.
  await db.schema
    .createTable("board_viewers")
    .addColumn("hour_start_ms", "bigint", (c) => c.notNull())
    .addColumn("board_id", "integer", (c) => c.notNull())
    .addColumn("viewer", exactText(db, 64), (c) => c.notNull())
    .addPrimaryKeyConstraint("board_viewers_pk", ["hour_start_ms", "board_id", "viewer"])
    .execute();
  // One row per searcher of a keyword per hour: the keyword ranking counts these, not every search.
  await db.schema
    .createTable("keyword_searchers")
    .addColumn("hour_start_ms", "bigint", (c) => c.notNull())
    .addColumn("keyword", "varchar(100)", (c) => c.notNull())
    .addColumn("searcher", exactText(db, 64), (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("keyword_searchers_pk", ["hour_start_ms", "keyword", "searcher"])
    .execute();
  await db.schema
    .createIndex("keyword_searchers_created_keyword")
    .on("keyword_searchers")
    .columns(["created_at", "keyword"])
    .execute();

  // The search index now holds one-character grams and a bounded prefix of the contents: the relay rebuilds it.
  await sql`insert into search_outbox (board_id, op, created_at) select id, 'upsert', ${Date.now()} from boards`.execute(
    db,
  );

  if (db.getExecutor().adapter instanceof MysqlAdapter) await useUnicodeCollation(db);
}

/**
 * MariaDB's default `utf8mb4_unicode_ci` (UCA 4.0) weighs every emoji alike: keywords merged and searches
 * matched the wrong boards. Every text column that is not compared byte for byte (`_bin`, the keys) moves to a
 * newer UCA collation, and so does the database's default, for tables made later. SQLite compares bytes already.
 */
async function useUnicodeCollation(db: Kysely<unknown>): Promise<void> {
  const collation = await firstSupported(db, UNICODE_COLLATIONS);
  const { rows } = await sql<{ name: string; mariadb: number }>`
    select database() as name, version() like '%MariaDB%' as mariadb`.execute(db);
  const [{ name, mariadb } = { name: "", mariadb: 0 }] = rows;
  const charset = sql.raw(`character set utf8mb4 collate ${collation}`);
  await sql`alter database ${sql.id(name)} ${charset}`.execute(db);
  const columns = await sql<TextColumn>`
    select table_name as table_name, column_name as column_name, column_type as column_type,
      is_nullable as is_nullable, column_default as column_default
    from information_schema.columns
    where table_schema = database() and collation_name is not null and collation_name not like '%\\_bin'
      and table_name not like 'kysely\\_%'
    order by table_name, ordinal_position`.execute(db);
  const byTable = Map.groupBy(columns.rows, (column) => column.table_name);
  for (const [table, changes] of byTable) {
    const modify = changes.map((column) => {
      const nullable = column.is_nullable === "NO" ? sql` not null` : sql``;
      const fallback = defaultOf(column.column_default, Boolean(mariadb));
      return sql`modify ${sql.id(column.column_name)} ${sql.raw(column.column_type)} ${charset}${nullable}${
        fallback === undefined ? sql`` : sql` default ${sql.raw(fallback)}`
      }`;
    });
    await sql`alter table ${sql.id(table)} default ${charset}, ${sql.join(modify)}`.execute(db);
  }
}

/** MariaDB lists a default as SQL (`'USER'`, `NULL`); MySQL as its bare value. */
function defaultOf(value: string | null, mariadb: boolean): string | undefined {
  if (value === null || (mariadb && value === "NULL")) return undefined;
  return mariadb ? value : `'${value.replaceAll("'", "''")}'`;
}

async function firstSupported(db: Kysely<unknown>, collations: string[]): Promise<string> {
  for (const collation of collations) {
    try {
      await sql`select _utf8mb4'a' collate ${sql.raw(collation)}`.execute(db);
      return collation;
    } catch {}
  }
  return "utf8mb4_unicode_ci";
}
