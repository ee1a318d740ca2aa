import {
  MysqlAdapter,
  MysqlDialect,
  type MysqlPool,
  type MysqlPoolConnection,
  type MysqlQueryResult,
} from "kysely";
import { createPool, type PoolConnection, type PoolOptions } from "mysql2";
import { ServiceUnavailableError } from "../shared/errors.ts";

/** MariaDB answers `INSERT … RETURNING`; Kysely's MySQL adapter would drop the rows unless told. */
class MariaDbAdapter extends MysqlAdapter {
  override get supportsReturning(): boolean {
    return true;
  }
}

class MariaDbDialect extends MysqlDialect {
  override createAdapter() {
    return new MariaDbAdapter();
  }
}

export interface MysqlOptions {
  url: string;
  poolSize: number;
  /** mysql2 waits for a free connection forever; we give up after this and answer 503. */
  acquireTimeoutMs: number;
  /**
   * The longest a statement may run: the server aborts it then (MariaDB `max_statement_time`, MySQL
   * `max_execution_time` for reads), and the client gives up a second later (a frozen link never answers).
   * 0 means no limit (migrations).
   */
  statementTimeoutMs: number;
}

const STATEMENT_TIMEOUT = 1969; // MariaDB: max_statement_time exceeded
const EXECUTION_TIMEOUT = 3024; // MySQL: max_execution_time exceeded
const UNKNOWN_VARIABLE = 1193;
const CLIENT_GRACE_MS = 1000;

/** A failure that says nothing about the query itself: the database is slow or gone, so a retry may work. */
function isUnavailable(error: { fatal?: boolean; code?: string; errno?: number }): boolean {
  return (
    error.fatal === true ||
    error.code === "PROTOCOL_SEQUENCE_TIMEOUT" ||
    error.errno === STATEMENT_TIMEOUT ||
    error.errno === EXECUTION_TIMEOUT
  );
}

/** Limits the session's statements on the server (a no-op when there is no limit). */
function limitStatements(connection: PoolConnection, timeoutMs: number): void {
  if (timeoutMs === 0) return;
  connection.query(`SET SESSION max_statement_time = ${timeoutMs / 1000}`, (error) => {
    if ((error as { errno?: number } | null)?.errno === UNKNOWN_VARIABLE)
      connection.query(`SET SESSION max_execution_time = ${timeoutMs}`, () => {});
  });
}

/**
 * Each query gets the client-side deadline; a query that passes it, or a connection that dies under it, drops
 * the connection (it may still be busy) and fails with a 503 the caller can retry.
 */
function withDeadline(connection: PoolConnection, timeoutMs: number): MysqlPoolConnection {
  const timeout = timeoutMs === 0 ? undefined : timeoutMs + CLIENT_GRACE_MS;
  return {
    get config() {
      return connection.config;
    },
    get threadId() {
      return connection.threadId;
    },
    connect: (callback) => connection.connect(callback),
    destroy: () => connection.destroy(),
    release: () => connection.release(),
    query: (sql, values, callback) =>
      connection.query({ sql, values, timeout }, (error, result) => {
        if (error && isUnavailable(error)) {
          connection.destroy();
          callback?.(new ServiceUnavailableError("database", error.message), undefined as never);
        } else callback?.(error, result as MysqlQueryResult);
      }),
  };
}

export function mysqlDialect({
  url,
  poolSize,
  acquireTimeoutMs,
  statementTimeoutMs,
}: MysqlOptions): MysqlDialect {
  const options: PoolOptions = {
    uri: url.replace(/^mariadb:/, "mysql:"),
    connectionLimit: poolSize,
    queueLimit: 2000,
    connectTimeout: 2000,
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    supportBigNumbers: true,
    decimalNumbers: true,
    enableKeepAlive: true,
  };
  const pool = createPool(options);
  pool.on("connection", (connection) => limitStatements(connection, statementTimeoutMs));
  const wrapped = new WeakMap<PoolConnection, MysqlPoolConnection>();
  const guarded = (connection: PoolConnection) => {
    let wrapper = wrapped.get(connection);
    if (!wrapper) {
      wrapper = withDeadline(connection, statementTimeoutMs);
      wrapped.set(connection, wrapper);
    }
    return wrapper;
  };
  const bounded: MysqlPool = {
    getConnection(callback) {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        callback(
          new ServiceUnavailableError("database", "no database connection free in time"),
          undefined as never,
        );
      }, acquireTimeoutMs);
      pool.getConnection((error, connection) => {
        if (settled) {
          connection?.release();
          return;
        }
        clearTimeout(timer);
        settled = true;
        if (error) callback(new ServiceUnavailableError("database", error.message), undefined as never);
        else callback(null, guarded(connection));
      });
    },
    end: (callback) => pool.end(callback),
  };
  return new MariaDbDialect({ pool: bounded });
}
