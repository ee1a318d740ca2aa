import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  type Driver,
  Kysely,
  type Dialect as KyselyDialect,
  type RawBuilder,
  sql,
  type Transaction,
} from "kysely";
import { Migrator } from "kysely/migration";
import { runAfterCommit } from "./after-commit.ts";
import { migrations } from "./migrations/index.ts";
import { mysqlDialect } from "./mysql-dialect.ts";
import type { Database } from "./schema.ts";
import { nodeSqliteDialect } from "./sqlite-dialect.ts";

export type Dialect = "sqlite" | "mysql";
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

/** What the dialects really do differently: code asks these, never the dialect's name. */
export interface Capabilities {
  /** FTS5 with the trigram tokenizer (SQLite); elsewhere full-text search is built from a bigram table. */
  trigramFullText: boolean;
  /** `SELECT … FOR UPDATE` locks rows (MariaDB); SQLite serialises write transactions instead. */
  rowLocks: boolean;
  /** How an insert turns into an update of the row it collides with. */
  upsert: "on-conflict" | "on-duplicate-key";
  /** The function that counts characters, not bytes. */
  charLength: RawBuilder<unknown>;
}

const CAPABILITIES: Record<Dialect, Capabilities> = {
  sqlite: { trigramFullText: true, rowLocks: false, upsert: "on-conflict", charLength: sql.raw("length") },
  mysql: {
    trigramFullText: false,
    rowLocks: true,
    upsert: "on-duplicate-key",
    charLength: sql.raw("char_length"),
  },
};

/** Connections of the pool (SQLite: its one connection) held by a query or transaction, and awaited. */
export interface ConnectionCounts {
  inUse: number;
  waiting: number;
}

/** The dialect with its driver's connections counted as they are acquired and released. */
function counted(dialect: KyselyDialect, counts: ConnectionCounts): KyselyDialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      const release = driver.releaseConnection.bind(driver);
      driver.acquireConnection = async () => {
        counts.waiting++;
        try {
          const connection = await acquire();
          counts.inUse++;
          return connection;
        } finally {
          counts.waiting--;
        }
      };
      driver.releaseConnection = (connection) => {
        counts.inUse--;
        return release(connection);
      };
      return driver;
    },
  };
}

export interface SqlDatabase {
  db: Db;
  dialect: Dialect;
  capabilities: Capabilities;
  /** Live counts of the request pool's connections (for metrics). */
  connections: Readonly<ConnectionCounts>;
  /**
   * Runs `work` in a transaction, retrying when MySQL/MariaDB picks it as a deadlock victim; then the hooks
   * `afterCommit` registered on the committed attempt.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `work` on a connection of its own whose statements have no deadline (migrations). */
  withoutDeadline<T>(work: (db: Db) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const RETRYABLE_MYSQL_ERRORS = new Set([1213, 1205]); // deadlock, lock wait timeout
const MAX_ATTEMPTS = 5;

function isRetryable(error: unknown): boolean {
  return RETRYABLE_MYSQL_ERRORS.has((error as { errno?: number }).errno ?? 0);
}

/** The default deadline of one MariaDB/MySQL statement (SQLite runs in the process and has none). */
export const STATEMENT_TIMEOUT_MS = 5000;

export function openDatabase(
  url: string,
  poolSize = 20,
  onHookError: (error: unknown) => void = () => {},
  statementTimeoutMs = STATEMENT_TIMEOUT_MS,
): SqlDatabase {
  const dialect: Dialect = url.startsWith("sqlite:") ? "sqlite" : "mysql";
  const mysql = (size: number, timeoutMs: number) =>
    new Kysely<Database>({
      dialect: mysqlDialect({ url, poolSize: size, acquireTimeoutMs: 5000, statementTimeoutMs: timeoutMs }),
    });
  const connections: ConnectionCounts = { inUse: 0, waiting: 0 };
  const db = new Kysely<Database>({
    dialect: counted(
      dialect === "sqlite"
        ? nodeSqliteDialect(sqlitePath(url))
        : mysqlDialect({ url, poolSize, acquireTimeoutMs: 5000, statementTimeoutMs }),
      connections,
    ),
  });
  return {
    db,
    dialect,
    connections,
    capabilities: CAPABILITIES[dialect],
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
    async withoutDeadline(work) {
      if (dialect === "sqlite") return work(db);
      const unbounded = mysql(1, 0);
      try {
        return await work(unbounded);
      } finally {
        await unbounded.destroy();
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
