/**
 * Figures, not assertions: one chat room with SUBSCRIBERS members listening over STOMP (the SDK's realtime
 * client), one member sending MESSAGES messages; prints sent messages/s, delivered messages/s and the p50/p99
 * delay from SEND to delivery, once on the in-process bus and once on RabbitMQ (when AMQP_URL is set).
 *
 *   AMQP_URL=amqp://guest:guest@127.0.0.1:5672 node --conditions=@codechef/source \
 *     packages/server/scripts/realtime-figures.ts
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { CodeChef } from "@codechef/sdk";
import { loadConfig } from "../src/config.ts";
import { createContainer } from "../src/container.ts";
import { AccessTokens } from "../src/modules/auth/access-tokens.ts";
import { startServer } from "../src/server.ts";

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 200);
const MESSAGES = Number(process.env.MESSAGES ?? 300);
/** SENDs in flight at once from the sender. */
const WINDOW = Number(process.env.WINDOW ?? 10);

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
    ...(amqpUrl && { AMQP_URL: amqpUrl }),
  };
  const container = await createContainer(loadConfig(env));
  const running = await startServer(container, 0, "127.0.0.1");
  const tokens = new AccessTokens(env.JWT_SECRET ?? "", 3600);
  const clients: CodeChef[] = [];
  try {
    const users = await container.database.db
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
    void users;
    const ids = (await container.database.db.selectFrom("users").select("id").orderBy("id").execute()).map(
      (u) => u.id,
    );
    for (const id of ids) {
      clients.push(new CodeChef({ baseUrl: running.url, token: tokens.issue(id), maxRetries: 0 }));
    }
    const [sender, ...listeners] = clients as [CodeChef, ...CodeChef[]];
    const room = await sender.chat.rooms.create({ title: "figures" });
    const delays: number[] = [];
    let delivered = 0;
    let lastDelivery = 0;
    for (const listener of listeners) {
      await listener.chat.rooms.join(room.id);
      await listener.realtime.subscribeRoom(room.id, (message) => {
        if (message.type !== "SEND") return;
        const now = performance.now();
        delays.push(now - Number(message.content));
        delivered++;
        lastDelivery = now;
      });
    }

    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < MESSAGES) {
        next++;
        await sender.realtime.send(room.id, String(performance.now()));
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    const sentIn = performance.now() - started;
    const expected = MESSAGES * listeners.length;
    const deadline = Date.now() + 120_000;
    while (delivered < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (delivered < expected) throw new Error(`only ${delivered} of ${expected} deliveries arrived`);

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
    await Promise.all(clients.map((client) => client.realtime.disconnect()));
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

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
