import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { setImmediate } from "node:timers/promises";
import {
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from "kysely";

function bind(parameters: readonly unknown[]): SQLInputValue[] {
  return parameters.map((value) => (typeof value === "boolean" ? Number(value) : (value as SQLInputValue)));
}

/**
 * SQLite runs each statement synchronously on the event loop, and Kysely chains queued statements through
 * promises alone, so a burst of queries would hold the loop until all were done. Each statement first lets the
 * loop turn: requests (a `/health`, another user's read) interleave with the burst, statement by statement.
 */
class TakingTurnsSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => takingTurns(await acquire());
    return driver;
  }
}

function takingTurns(connection: DatabaseConnection): DatabaseConnection {
  return {
    async executeQuery(query) {
      await setImmediate();
      return connection.executeQuery(query);
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
}

/** Prepared statements kept for reuse, the least recently used dropped first. */
const MAX_STATEMENTS = 500;

/** Kysely's SQLite dialect over Node's built-in `node:sqlite` (no native addon to build). */
export function nodeSqliteDialect(path: string): SqliteDialect {
  const database = new DatabaseSync(path);
  database.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;");
  // Kysely runs one statement at a time on this connection, so a statement is never in use twice at once.
  const statements = new Map<string, SqliteStatement>();
  const adapter: SqliteDatabase = {
    close: () => database.close(),
    prepare(sql): SqliteStatement {
      const known = statements.get(sql);
      statements.delete(sql);
      const prepared = known ?? prepare(database, sql);
      statements.set(sql, prepared);
      if (statements.size > MAX_STATEMENTS) statements.delete(statements.keys().next().value as string);
      return prepared;
    },
  };
  return new TakingTurnsSqliteDialect({ database: adapter });
}

function prepare(database: DatabaseSync, sql: string): SqliteStatement {
  const statement = database.prepare(sql);
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...bind(parameters)),
    run: (parameters) => {
      const { changes, lastInsertRowid } = statement.run(...bind(parameters));
      return { changes, lastInsertRowid };
    },
    iterate: (parameters) => statement.iterate(...bind(parameters)),
  };
}
