/**
 * `npm run stack`: the compose topology started natively on this machine — two server instances behind nginx, a
 * private Redis Sentinel group, this machine's MariaDB and RabbitMQ, an S3 server (s3rver) and Prometheus
 * scraping both instances — then a smoke run through the balancer: sign up and log in, post a board, and a
 * chat message sent by a client on instance A heard by a client on instance B; then every query of the Grafana
 * dashboard against that Prometheus. `--keep` leaves it running until Ctrl+C.
 *
 * Needs nginx and promtool/prometheus from Debian (`apt-get install nginx prometheus`) and the services of
 * `.ci/run`. Everything it starts is private (its own database, key prefix, ports and directories) and stopped.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatMessage } from "@codechef/contract";
import { CodeChef } from "@codechef/sdk";
import { createConnection } from "mysql2/promise";
import S3rver from "s3rver";
import { startSentinelGroup } from "../test/support/sentinel-group.ts";

const MYSQL = process.env.STACK_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const AMQP = process.env.STACK_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const keep = process.argv.includes("--keep");
const root = join(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "codechef-stack-"));
const stops: (() => Promise<unknown> | unknown)[] = [];
const say = (line: string) => process.stdout.write(`${line}\n`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const log: string[] = [];
  const keepLog = (chunk: Buffer) => log.push(String(chunk));
  child.stdout?.on("data", keepLog);
  child.stderr?.on("data", keepLog);
  child.once("exit", (code, signal) => {
    if (!stopping) say(`!! ${name} exited (${code ?? signal}):\n${log.join("").slice(-2000)}`);
  });
  stops.push(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(null);
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
  );
  return child;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  say("== services");
  const sentinel = await startSentinelGroup();
  stops.push(() => sentinel.stop());
  say(`redis sentinel group: master on :${await sentinel.masterPort()}, sentinels ${sentinel.env}`);

  const database = `codechef_stack_${randomBytes(3).toString("hex")}`;
  const admin = await createConnection({ uri: MYSQL });
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  stops.push(async () => {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  });
  const databaseUrl = new URL(MYSQL);
  databaseUrl.pathname = `/${database}`;
  say(`mariadb: database ${database}`);

  const s3Port = await freePort();
  const s3 = new S3rver({
    port: s3Port,
    address: "127.0.0.1",
    directory: join(dir, "s3"),
    silent: true,
    configureBuckets: [{ name: "codechef", configs: [] }],
  });
  await s3.run();
  stops.push(() => s3.close());
  say(`s3 (s3rver): http://127.0.0.1:${s3Port}, bucket codechef`);

  say("== two server instances");
  const ports = [await freePort(), await freePort()];
  const adminPassword = `admin-${randomBytes(8).toString("hex")}`;
  const shared = {
    DATABASE_URL: databaseUrl.toString(),
    REDIS_SENTINELS: sentinel.env,
    REDIS_MASTER_NAME: sentinel.masterName,
    AMQP_URL: AMQP,
    S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
    S3_BUCKET: "codechef",
    S3_REGION: "us-east-1",
    S3_ACCESS_KEY_ID: "S3RVER",
    S3_SECRET_ACCESS_KEY: "S3RVER",
    S3_FORCE_PATH_STYLE: "true",
    KEY_PREFIX: `stack:${database}`,
    JWT_SECRET: randomBytes(32).toString("hex"),
    TRUST_PROXY: "1",
    ADMIN_EMAIL: "admin@stack.example.com",
    ADMIN_PASSWORD: adminPassword,
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    DATA_DIR: join(dir, "data"),
  };
  const main = join(root, "packages/server/src/main.ts");
  for (const [index, port] of ports.entries()) {
    start(`server-${"ab"[index]}`, process.execPath, ["--conditions=@codechef/source", main], {
      ...shared,
      PORT: String(port),
    });
  }
  for (const port of ports) {
    await until(
      `server on :${port} ready`,
      async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok,
      60_000,
    );
    say(`server on :${port}: ready`);
  }

  say("== nginx balancer");
  const balancerPort = await freePort();
  const nginxConfig = readFileSync(join(root, "ops/nginx/nginx.conf"), "utf8")
    .replace("server-a:8080", `127.0.0.1:${ports[0]}`)
    .replace("server-b:8080", `127.0.0.1:${ports[1]}`)
    .replace("listen 8080;", `listen 127.0.0.1:${balancerPort};`)
    .replace("pid /tmp/codechef-nginx.pid;", `pid ${join(dir, "nginx.pid")};`);
  writeFileSync(join(dir, "nginx.conf"), nginxConfig);
  start("nginx", "nginx", ["-c", join(dir, "nginx.conf"), "-p", dir, "-g", "daemon off;"]);
  const balancer = `http://127.0.0.1:${balancerPort}`;
  await until("balancer", async () => (await fetch(`${balancer}/health`)).ok);
  say(`balancer: ${balancer}`);

  say("== prometheus");
  const prometheusPort = await freePort();
  const prometheusConfig = readFileSync(join(root, "ops/prometheus/prometheus.yml"), "utf8").replace(
    '["server-a:8080", "server-b:8080"]',
    JSON.stringify(ports.map((port) => `127.0.0.1:${port}`)),
  );
  writeFileSync(join(dir, "prometheus.yml"), prometheusConfig);
  writeFileSync(join(dir, "alerts.yml"), readFileSync(join(root, "ops/prometheus/alerts.yml")));
  start("prometheus", "prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "tsdb")}`,
    `--web.listen-address=127.0.0.1:${prometheusPort}`,
  ]);
  const prometheus = `http://127.0.0.1:${prometheusPort}`;
  await until("prometheus", async () => (await fetch(`${prometheus}/-/ready`)).ok);
  say(`prometheus: ${prometheus}`);

  say("== smoke run through the balancer");
  const password = `stack-${randomBytes(6).toString("hex")}`;
  const client = new CodeChef({ baseUrl: balancer });
  const email = `stack-${randomBytes(4).toString("hex")}@example.com`;
  const user = await client.auth.signup({
    email,
    password,
    nickname: `stack${randomBytes(3).toString("hex")}`,
    career: "WORKING",
  });
  const session = await client.auth.login({ email, password });
  say(`signed up and logged in as #${user.id} (${user.nickname})`);
  const board = await client.boards.create({ title: "Through the balancer", contents: "Posted via nginx." });
  const read = await client.boards.get(board.id);
  say(`board #${board.id} created and read back: "${read.title}"`);
  const found = await client.search.boards({ q: "balancer" });
  say(`search "balancer": ${found.total} hit(s)`);
  const refused = await client.auth.login({ email, password: `${password}-wrong` }).catch((error) => error);
  const operator = new CodeChef({ baseUrl: balancer });
  await operator.auth.login({ email: "admin@stack.example.com", password: adminPassword });
  const granted = await operator.admin.users.grantPoints(user.id, { delta: 10, reason: "stack smoke" });
  say(`admin granted ${granted.delta} points: balance ${granted.balanceAfter}`);
  say(`a wrong password: ${(refused as { status?: number }).status} ${(refused as { code?: string }).code}`);

  const onA = new CodeChef({ baseUrl: `http://127.0.0.1:${ports[0]}`, maxRetries: 0 });
  const onB = new CodeChef({ baseUrl: `http://127.0.0.1:${ports[1]}`, maxRetries: 0 });
  onA.setSession(session);
  onB.setSession(session);
  const room = await onA.chat.rooms.create({ title: "stack smoke" });
  const heard: ChatMessage[] = [];
  await onB.realtime.subscribeRoom(room.id, (message) => heard.push(message));
  await onA.realtime.send(room.id, { content: "hello from instance A" });
  await until(
    "the message on B",
    async () => heard.some((m) => m.content === "hello from instance A"),
    10_000,
  );
  const message = heard.find((m) => m.content === "hello from instance A");
  say(`chat: sent on A (:${ports[0]}), heard on B (:${ports[1]}): seq ${message?.seq} "${message?.content}"`);

  say("== dashboard queries against prometheus (after 12 s of light traffic, two scrapes and more)");
  const until12s = Date.now() + 12_000;
  let rounds = 0;
  while (Date.now() < until12s) {
    await client.boards.get(board.id);
    await client.search.boards({ q: "balancer" });
    await client.auth.login({ email, password: `${password}-wrong` }).catch(() => {});
    await operator.admin.users.grantPoints(user.id, { delta: rounds % 2 ? -1 : 2, reason: "stack traffic" });
    await onA.realtime.send(room.id, { content: `traffic ${rounds++}` });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  say(`${rounds} rounds: a board read, a search, a wrong password, a points change, a chat message`);
  await onA.realtime.disconnect();
  await onB.realtime.disconnect();
  const dashboard = JSON.parse(readFileSync(join(root, "ops/grafana/dashboards/codechef.json"), "utf8")) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      const answer = (await (
        await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)
      ).json()) as {
        status: string;
        data?: { result: { value: [number, string] }[] };
        error?: string;
      };
      const series = answer.data?.result.length ?? 0;
      const first = answer.data?.result[0]?.value[1];
      say(
        `${answer.status === "success" ? (series > 0 ? "data" : "empty") : "ERROR"}\t${series} series\t${first === undefined ? "" : `= ${Number(first).toPrecision(3)}`}\t${panel.title}: ${expr}${answer.error ? ` (${answer.error})` : ""}`,
      );
    }
  }

  if (keep) {
    say(`\nrunning: balancer ${balancer}, prometheus ${prometheus}; Ctrl+C stops everything`);
    await new Promise((resolve) => process.once("SIGINT", resolve));
  }
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  say(`stack failed: ${(error as Error).stack ?? error}`);
} finally {
  await stopAll();
}
