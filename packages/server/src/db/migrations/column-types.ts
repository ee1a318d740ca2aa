import { type Kysely, MysqlAdapter, type RawBuilder, sql } from "kysely";

const onMysql = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof MysqlAdapter;

/** Compared byte for byte on both dialects (MariaDB's default collation ignores case and trailing spaces). */
export function exactText(db: Kysely<unknown>, length: number): RawBuilder<unknown> {
  return onMysql(db)
    ? sql.raw(`varchar(${length}) character set utf8mb4 collate utf8mb4_bin`)
    : sql.raw(`varchar(${length})`);
}

/** Unique regardless of letter case on both dialects (SQLite folds ASCII letters only). */
export function caseInsensitiveText(db: Kysely<unknown>, length: number): RawBuilder<unknown> {
  return onMysql(db)
    ? sql.raw(`varchar(${length}) character set utf8mb4 collate utf8mb4_unicode_ci`)
    : sql.raw(`varchar(${length}) collate nocase`);
}
