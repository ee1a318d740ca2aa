import { MysqlAdapter, MysqlDialect, type MysqlPool } from "kysely";
import { createPool, type PoolOptions } from "mysql2";
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
}

export function mysqlDialect({ url, poolSize, acquireTimeoutMs }: MysqlOptions): MysqlDialect {
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
        else callback(null, connection);
      });
    },
    end: (callback) => pool.end(callback),
  };
  return new MariaDbDialect({ pool: bounded });
}
