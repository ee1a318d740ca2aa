import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, type Transaction } from "kysely";
import { Migrator } from "kysely/migration";
import { runAfterCommit } from "./after-commit.ts";
import { migrations } from "./migrations/index.ts";
import { mysqlDialect } from "./mysql-dialect.ts";
import type { Database } from "./schema.ts";
import { nodeSqliteDialect } from "./sqlite-dialect.ts";

export type Dialect = "sqlite" | "mysql";
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface SqlDatabase {
  db: Db;
  dialect: Dialect;
  /**
   * Runs `work` in a transaction, retrying when MySQL/MariaDB picks it as a deadlock victim; then the hooks
   * `afterCommit` registered on the committed attempt.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const RETRYABLE_MYSQL_ERRORS = new Set([1213, 1205]); // deadlock, lock wait timeout
const MAX_ATTEMPTS = 5;

function isRetryable(error: unknown): boolean {
  return RETRYABLE_MYSQL_ERRORS.has((error as { errno?: number }).errno ?? 0);
}

export function openDatabase(
  url: string,
  poolSize = 20,
  onHookError: (error: unknown) => void = () => {},
): SqlDatabase {
  const dialect: Dialect = url.startsWith("sqlite:") ? "sqlite" : "mysql";
  const db = new Kysely<Database>({
    dialect:
      dialect === "sqlite"
        ? nodeSqliteDialect(sqlitePath(url))
        : mysqlDialect({ url, poolSize, acquireTimeoutMs: 5000 }),
  });
  return {
    db,
    dialect,
    async transaction(work) {
      for (let attempt = 1; ; attempt++) {
        try {
          let committed: Tx | undefined;
          const result = await db.transaction().execute((tx) => {
            committed = tx;
            return work(tx);
          });
          if (committed) await runAfterCommit(committed, onHookError);
          return result;
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        }
      }
    },
    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as("one")).execute();
    },
    close: () => db.destroy(),
  };
}

function sqlitePath(url: string): string {
  const path = url.slice("sqlite:".length);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  return path;
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
