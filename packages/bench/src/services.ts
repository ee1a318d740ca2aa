import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { createConnection } from "mysql2/promise";

export type ServicesMode = "auto" | "testcontainers" | "env";

/** Where the run's MariaDB, Redis and RabbitMQ are, and a database and key prefix of its own on them. */
export interface Services {
  source: "testcontainers" | "env";
  mysqlUrl: string;
  redisUrl: string;
  amqpUrl: string;
  elasticsearchUrl: string | undefined;
  keyPrefix: string;
  /**
   * Waits until no statement runs on the scenario's database: a slow query a load left queued would otherwise
   * take the CPU from the next measure.
   */
  settled(): Promise<void>;
  /** Drops the scenario's database and keys. */
  release(): Promise<void>;
}

/** The longest a measure waits for the database to go quiet after the one before. */
const SETTLE_MS = 60_000;
const NO_RUNTIME = /Could not find a working container runtime strategy/;

async function fromContainers(): Promise<
  Omit<Services, "keyPrefix" | "release" | "settled"> & { stop(): Promise<void> }
> {
  const [{ MariaDbContainer }, { RedisContainer }, { RabbitMQContainer }] = await Promise.all([
    import("@testcontainers/mariadb"),
    import("@testcontainers/redis"),
    import("@testcontainers/rabbitmq"),
  ]);
  const [mariadb, redis, rabbit] = await Promise.all([
    new MariaDbContainer("mariadb:11.4").withUserPassword("codechef").start(),
    new RedisContainer("redis:7.4").start(),
    new RabbitMQContainer("rabbitmq:4.1").start(),
  ]);
  return {
    source: "testcontainers",
    mysqlUrl: `mysql://root:${mariadb.getRootPassword()}@${mariadb.getHost()}:${mariadb.getPort()}/test`,
    redisUrl: redis.getConnectionUrl(),
    amqpUrl: rabbit.getAmqpUrl(),
    elasticsearchUrl: undefined,
    stop: async () => {
      await Promise.all([mariadb.stop(), redis.stop(), rabbit.stop()]);
    },
  };
}

function fromEnvironment(env: NodeJS.ProcessEnv) {
  return {
    source: "env" as const,
    mysqlUrl: env.BENCH_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test",
    redisUrl: env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/0",
    amqpUrl: env.BENCH_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672",
    elasticsearchUrl: env.BENCH_ELASTICSEARCH_URL ?? env.ELASTICSEARCH_URL,
    stop: async () => {},
  };
}

/** The run's service endpoints; `isolate` gives each scenario a database and key prefix of its own. */
export interface Provisioned {
  source: Services["source"];
  isolate(): Promise<Services>;
  /** Stops containers the run started. */
  stop(): Promise<void>;
}

export async function provision(
  mode: ServicesMode,
  log: (line: string) => void,
  env = process.env,
): Promise<Provisioned> {
  let found: Awaited<ReturnType<typeof fromContainers>> | ReturnType<typeof fromEnvironment>;
  if (mode === "env") {
    found = fromEnvironment(env);
  } else {
    try {
      found = await fromContainers();
    } catch (error) {
      if (mode === "testcontainers" || !NO_RUNTIME.test(String(error))) throw error;
      log(
        "services: no Docker engine answers (Testcontainers found no container runtime); using BENCH_*_URL or this machine's defaults",
      );
      found = fromEnvironment(env);
    }
  }
  const { stop, ...endpoints } = found;
  return { source: found.source, isolate: () => isolate(endpoints, log), stop };
}

async function isolate(
  found: Omit<Services, "keyPrefix" | "release" | "settled">,
  log: (line: string) => void,
): Promise<Services> {
  const id = randomBytes(4).toString("hex");
  const database = `codechef_bench_${id}`;
  const server = new URL(found.mysqlUrl);
  const admin = await createConnection({ uri: server.toString() });
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const mysqlUrl = new URL(server);
  mysqlUrl.pathname = `/${database}`;
  const keyPrefix = `bench:${id}`;
  log(`services: ${found.source}; database ${database}, key prefix ${keyPrefix}`);
  return {
    ...found,
    mysqlUrl: mysqlUrl.toString(),
    keyPrefix,
    async settled() {
      const connection = await createConnection({ uri: server.toString() });
      try {
        for (const deadline = Date.now() + SETTLE_MS; Date.now() < deadline; await sleep(100)) {
          const [rows] = await connection.query(
            "SELECT COUNT(*) AS running FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND ID <> CONNECTION_ID()",
            [database],
          );
          if (Number((rows as { running: number }[])[0]?.running) === 0) return;
        }
        log(`database ${database} still busy after ${SETTLE_MS / 1000} s; measuring on`);
      } finally {
        await connection.end();
      }
    },
    async release() {
      const connection = await createConnection({ uri: server.toString() });
      await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await connection.end();
      const redis = new Redis(found.redisUrl, { maxRetriesPerRequest: 1 });
      for await (const keys of redis.scanStream({ match: `${keyPrefix}:*`, count: 1000 })) {
        if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
      }
      redis.disconnect();
    },
  };
}
