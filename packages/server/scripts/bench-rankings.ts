/**
 * Rankings (and board search) read latency on a seeded database: 100,000 boards, indexed for search, with a day
 * of hourly views, users of both careers, and two months of ledger entries. The server runs as its own process on a free port; autocannon drives each
 * read after a warm-up. A run with non-2xx answers, errors or timeouts fails instead of reporting a number.
 *
 *   DATABASE_URL=sqlite:… | mysql://root@127.0.0.1:3306  (MariaDB: a database of its own is created and dropped)
 *   REDIS_URL=redis://127.0.0.1:6379/0                    (optional; its bench keys are deleted afterwards)
 *   BENCH_SEARCH=0                                        (skips indexing for search, which takes minutes)
 *   node --conditions=@codechef/source packages/server/scripts/bench-rankings.ts
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { createConnection } from "mysql2/promise";
import { SqlSearchIndex } from "../src/adapters/sql/sql-search-index.ts";
import { type Db, migrateToLatest, openDatabase } from "../src/db/database.ts";
import { rebuildSearchIndex } from "../src/modules/search/rebuild.ts";
import { SqlBoardDocuments } from "../src/modules/search/repository.ts";
import { HOUR_MS } from "../src/ports.ts";

const BOARDS = Number(process.env.BENCH_BOARDS ?? 100_000);
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const LEDGER_ROWS = Number(process.env.BENCH_LEDGER ?? 100_000);
const VIEWED_BOARDS_PER_HOUR = Number(process.env.BENCH_VIEWED_PER_HOUR ?? 5_000);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SEARCH = process.env.BENCH_SEARCH !== "0";
const BATCH = 1000;

const reads = [
  { name: "popular boards, 1h, top 3", path: "/api/v1/rankings/boards?window=1h" },
  { name: "popular boards, 24h, top 100", path: "/api/v1/rankings/boards?window=24h&limit=100" },
  { name: "users WORKING, realtime, top 10", path: "/api/v1/rankings/users?career=WORKING" },
  {
    name: "users ASPIRING, last month, top 10",
    path: "/api/v1/rankings/users?career=ASPIRING&period=last-month",
  },
  {
    name: "search boards, 20 per page (logs the keyword)",
    path: "/api/v1/search/boards?q=redis",
    search: true,
  },
];

const random = (below: number) => Math.floor(Math.random() * below);

async function insertAll<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

async function seed(db: Db, now: number): Promise<void> {
  const words = [
    "redis",
    "kysely",
    "koa",
    "mariadb",
    "typescript",
    "review",
    "lock",
    "cache",
    "index",
    "sql",
  ];
  await db.transaction().execute(async (tx) => {
    await insertAll(
      Array.from({ length: USERS }, (_, i) => ({
        email: `bench-${i}@example.com`,
        password_hash: "not-a-hash",
        nickname: `bench-${i}`,
        career: i % 2 === 0 ? ("WORKING" as const) : ("ASPIRING" as const),
        role: "USER" as const,
        status: "ACTIVE" as const,
        created_at: now,
        updated_at: now,
      })),
      (batch) => tx.insertInto("users").values(batch).execute(),
    );
    const firstUser = Number(
      (
        await tx
          .selectFrom("users")
          .select((eb) => eb.fn.min("id").as("id"))
          .executeTakeFirstOrThrow()
      ).id,
    );
    const userId = () => firstUser + random(USERS);

    await insertAll(
      Array.from({ length: BOARDS }, (_, i) => ({
        author_id: userId(),
        title: `Board ${i}: ${words[i % words.length]} and ${words[(i * 7) % words.length]}`,
        contents: `Please review my ${words[(i * 3) % words.length]} code, number ${i}.`,
        created_at: now - random(30 * 24) * HOUR_MS,
        updated_at: now,
      })),
      (batch) => tx.insertInto("boards").values(batch).execute(),
    );
    const firstBoard = Number(
      (
        await tx
          .selectFrom("boards")
          .select((eb) => eb.fn.min("id").as("id"))
          .executeTakeFirstOrThrow()
      ).id,
    );

    const views: { board_id: number; hour_start_ms: number; views: number }[] = [];
    const thisHour = Math.floor(now / HOUR_MS) * HOUR_MS;
    for (let hour = 0; hour <= 24; hour++) {
      const viewed = new Set(
        Array.from({ length: VIEWED_BOARDS_PER_HOUR }, () => firstBoard + random(BOARDS)),
      );
      for (const board of viewed) {
        views.push({ board_id: board, hour_start_ms: thisHour - hour * HOUR_MS, views: 1 + random(50) });
      }
    }
    await insertAll(views, (batch) => tx.insertInto("board_views_hourly").values(batch).execute());

    const balances = new Map<number, number>();
    const ledger = Array.from({ length: LEDGER_ROWS }, (_, i) => {
      const user = userId();
      const delta = 1 + random(100);
      const balance = (balances.get(user) ?? 0) + delta;
      balances.set(user, balance);
      return {
        user_id: user,
        delta,
        reason: "bench",
        reference: null,
        idempotency_key: `bench:${i}`,
        balance_after: balance,
        created_at: now - (LEDGER_ROWS - i) * Math.floor((60 * 24 * HOUR_MS) / LEDGER_ROWS),
      };
    });
    await insertAll(ledger, (batch) => tx.insertInto("point_ledger").values(batch).execute());
    await tx
      .updateTable("users")
      .set((eb) => ({
        points: eb
          .selectFrom("point_ledger")
          .select((inner) => inner.fn.coalesce(inner.fn.sum<number>("delta"), inner.lit(0)).as("sum"))
          .whereRef("point_ledger.user_id", "=", "users.id"),
      }))
      .execute();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startServer(env: Record<string, string>): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--conditions=@codechef/source", new URL("../src/main.ts", import.meta.url).pathname],
    {
      env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, process: child };
    if (Date.now() - started > 120_000) throw new Error("the server was not ready within 120 s");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function measure(url: string, path: string) {
  await autocannon({ url: url + path, connections: CONNECTIONS, duration: 2 });
  const result = await autocannon({ url: url + path, connections: CONNECTIONS, duration: DURATION_SECONDS });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts — no figures`,
    );
  }
  return {
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    averageMs: result.latency.average,
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
  };
}

async function provisionDatabase(given: string | undefined, dataDir: string) {
  if (!given || given.startsWith("sqlite:")) {
    return { url: given ?? `sqlite:${join(dataDir, "bench.db")}`, drop: async () => {} };
  }
  const server = new URL(given.replace(/^mariadb:/, "mysql:"));
  server.pathname = "/";
  const name = `codechef_bench_${randomBytes(4).toString("hex")}`;
  const admin = await createConnection({ uri: server.toString() });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const connection = await createConnection({ uri: server.toString() });
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}

async function deleteBenchKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
    if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  }
  redis.disconnect();
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "codechef-bench-"));
  const database = await provisionDatabase(process.env.DATABASE_URL, dataDir);
  const redisUrl = process.env.REDIS_URL;
  const keyPrefix = `bench:${randomBytes(4).toString("hex")}`;
  let server: ChildProcess | undefined;
  try {
    const seeding = Date.now();
    const sql = openDatabase(database.url, 4);
    await migrateToLatest(sql.db);
    await seed(sql.db, Date.now());
    const seededInMs = Date.now() - seeding;
    const indexing = Date.now();
    if (SEARCH) await rebuildSearchIndex(new SqlSearchIndex(sql), new SqlBoardDocuments(sql.db));
    const indexedInMs = Date.now() - indexing;
    await sql.close();

    const starting = Date.now();
    const running = await startServer({
      DATABASE_URL: database.url,
      ...(redisUrl && { REDIS_URL: redisUrl }),
      KEY_PREFIX: keyPrefix,
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(32).toString("hex"),
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
    });
    server = running.process;
    const readyInMs = Date.now() - starting;

    const results = [];
    for (const read of reads.filter((r) => SEARCH || !r.search)) {
      results.push({ name: read.name, path: read.path, ...(await measure(running.url, read.path)) });
    }

    const setup = `${database.url.startsWith("sqlite:") ? "SQLite" : "MariaDB"}${redisUrl ? " + Redis" : " + in-process"}`;
    console.log(
      JSON.stringify(
        {
          setup,
          node: process.version,
          cpu: cpus()[0]?.model,
          cores: cpus().length,
          parameters: {
            BOARDS,
            USERS,
            LEDGER_ROWS,
            VIEWED_BOARDS_PER_HOUR,
            DURATION_SECONDS,
            CONNECTIONS,
            SEARCH,
          },
          seededInMs,
          indexedInMs,
          readyInMs,
          results,
        },
        null,
        2,
      ),
    );
    console.log(`\n| ${setup} | p50 ms | p99 ms | avg ms | req/s |\n| --- | --- | --- | --- | --- |`);
    for (const r of results) {
      console.log(`| ${r.name} | ${r.p50Ms} | ${r.p99Ms} | ${r.averageMs} | ${r.requestsPerSecond} |`);
    }
  } finally {
    server?.kill("SIGTERM");
    if (server) await new Promise((resolve) => server?.once("exit", resolve));
    if (redisUrl) await deleteBenchKeys(redisUrl, keyPrefix);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
