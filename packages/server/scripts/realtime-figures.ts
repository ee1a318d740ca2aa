/**
 * Figures, not assertions: one chat room with SUBSCRIBERS members listening over STOMP (the SDK's realtime
 * client, in a worker thread so the server's event loop is its own), one member sending MESSAGES messages;
 * prints sent messages/s, delivered messages/s and the p50/p99 delay from SEND to delivery, once on the
 * in-process bus and once on RabbitMQ (when AMQP_URL is set).
 *
 *   AMQP_URL=amqp://guest:guest@127.0.0.1:5672 node --conditions=@codechef/source \
 *     packages/server/scripts/realtime-figures.ts
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { CodeChef } from "@codechef/sdk";
import { loadConfig } from "../src/config.ts";
import { createContainer } from "../src/container.ts";
import { AccessTokens } from "../src/modules/auth/access-tokens.ts";
import { startServer } from "../src/server.ts";

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 200);
const MESSAGES = Number(process.env.MESSAGES ?? 300);
/** SENDs in flight at once from the sender. */
const WINDOW = Number(process.env.WINDOW ?? 10);
const WARMUP = 100;

interface Figures {
  bus: string;
  subscribers: number;
  messages: number;
  sentPerSecond: number;
  deliveredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

async function measure(bus: string, amqpUrl: string | undefined): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), "codechef-figures-"));
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: "warn",
    DATA_DIR: dataDir,
    KEY_PREFIX: `figures:${randomBytes(3).toString("hex")}`,
    JWT_SECRET: randomBytes(32).toString("hex"),
    REALTIME_MESSAGES_PER_SECOND: "100000",
    REALTIME_USER_MESSAGES_PER_SECOND: "100000",
    ...(amqpUrl && { AMQP_URL: amqpUrl }),
  };
  const container = await createContainer(loadConfig(env));
  const running = await startServer(container, 0, "127.0.0.1");
  const tokens = new AccessTokens(env.JWT_SECRET ?? "", 3600);
  const clients: CodeChef[] = [];
  try {
    await container.database.db
      .insertInto("users")
      .values(
        Array.from({ length: SUBSCRIBERS + 1 }, (_, i) => ({
          email: `figures-${i}@example.com`,
          password_hash: "unused",
          nickname: `figures-${i}`,
          career: "WORKING" as const,
          role: "USER" as const,
          status: "ACTIVE" as const,
          created_at: Date.now(),
          updated_at: Date.now(),
        })),
      )
      .execute();
    const ids = (await container.database.db.selectFrom("users").select("id").orderBy("id").execute()).map(
      (u) => u.id,
    );
    for (const id of ids) {
      clients.push(
        new CodeChef({ baseUrl: running.url, token: await tokens.issue(id, randomUUID()), maxRetries: 0 }),
      );
    }
    const [sender, ...listeners] = clients as [CodeChef, ...CodeChef[]];
    const room = await sender.chat.rooms.create({ title: "figures" });
    for (const listener of listeners) await listener.chat.rooms.join(room.id);
    // Warm-up, before anyone listens: the worker's subscriptions start after these.
    for (let i = 0; i < WARMUP; i++) await sender.realtime.send(room.id, { content: "warm-up" });
    const expected = MESSAGES * listeners.length;
    const worker = new Worker(new URL(import.meta.url), {
      workerData: {
        url: running.url,
        tokens: listeners.map((l) => l.accessToken),
        roomId: room.id,
        expected,
      },
    });
    const ready = new Promise((resolve) => worker.once("message", resolve));
    const done = new Promise<Report>((resolve, reject) => {
      worker.on("message", (message: Report | "ready") => message !== "ready" && resolve(message));
      worker.once("error", reject);
    });
    await ready;

    const started = now();
    let next = 0;
    const lane = async () => {
      while (next < MESSAGES) {
        next++;
        await sender.realtime.send(room.id, { content: String(now()) });
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    const sentIn = now() - started;
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("deliveries did not all arrive in 120 s")), 120_000).unref(),
    );
    const { delays, lastDelivery } = await Promise.race([done, timeout]);
    await worker.terminate();
    const delivered = delays.length;
    const sorted = delays.sort((a, b) => a - b);
    return {
      bus,
      subscribers: listeners.length,
      messages: MESSAGES,
      sentPerSecond: Math.round((MESSAGES / sentIn) * 1000),
      deliveredPerSecond: Math.round((delivered / (lastDelivery - started)) * 1000),
      p50Ms: Number(percentile(sorted, 50).toFixed(1)),
      p99Ms: Number(percentile(sorted, 99).toFixed(1)),
      maxMs: Number((sorted.at(-1) ?? Number.NaN).toFixed(1)),
    };
  } finally {
    await clients[0]?.realtime.disconnect();
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Report {
  delays: number[];
  lastDelivery: number;
}

/** Epoch milliseconds with sub-millisecond precision, comparable between threads. */
const now = () => performance.timeOrigin + performance.now();

/** The worker: every listener subscribes; reports each SEND's delay once all deliveries arrived. */
async function listen({
  url,
  tokens,
  roomId,
  expected,
}: {
  url: string;
  tokens: string[];
  roomId: number;
  expected: number;
}) {
  const delays: number[] = [];
  let lastDelivery = 0;
  for (const token of tokens) {
    const client = new CodeChef({ baseUrl: url, token, maxRetries: 0 });
    await client.realtime.subscribeRoom(roomId, (message) => {
      if (message.type !== "SEND") return;
      lastDelivery = now();
      delays.push(lastDelivery - Number(message.content));
      if (delays.length === expected) parentPort?.postMessage({ delays, lastDelivery } satisfies Report);
    });
  }
  parentPort?.postMessage("ready");
}

if (!isMainThread) {
  await listen(workerData);
} else {
  await main();
}

async function main() {
  const results = [await measure("in-process", undefined)];
  if (process.env.AMQP_URL) results.push(await measure("rabbitmq", process.env.AMQP_URL));
  console.log(
    JSON.stringify(
      {
        node: process.version,
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        window: WINDOW,
        database: "sqlite",
        results,
      },
      null,
      2,
    ),
  );
  console.table(results);
}
