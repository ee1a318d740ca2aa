/**
 * A real RabbitMQ restart during a chat, not a proxy: two server instances share MariaDB, Redis and RabbitMQ;
 * a member sends MESSAGES chat messages through instance 1 (one every PACE_MS) while another listens through
 * the SDK on instance 2; around message RESTART_AT the broker is stopped (`rabbitmqctl stop_app`) and started
 * again OUTAGE_MS later. Prints what was sent, stored, heard live and delivered in order, and exits non-zero if
 * the subscriber's ordered view misses or repeats a message.
 *
 * It stops the SHARED broker for a few seconds: run it alone, by hand, never from a test.
 *
 *   PATH=$PWD/node_modules/.bin:$PATH node --conditions=@codechef/source packages/server/scripts/broker-restart.ts
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ChatMessage, chatRoomTopic, REALTIME_PATH } from "@codechef/contract";
import { CodeChef } from "@codechef/sdk";
import { createConnection } from "mysql2/promise";
import WebSocket from "ws";
import { loadConfig } from "../src/config.ts";
import { createContainer } from "../src/container.ts";
import { StompDecoder, serializeFrame } from "../src/realtime/stomp-frames.ts";
import { startServer } from "../src/server.ts";

const MYSQL_URL = process.env.MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379/0";
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const MESSAGES = Number(process.env.MESSAGES ?? 1000);
const PACE_MS = Number(process.env.PACE_MS ?? 10);
const RESTART_AT = Number(process.env.RESTART_AT ?? 300);
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 3000);
const DELIVERY_DEADLINE_MS = 60_000;

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const rabbitmqctl = (...args: string[]) => run("rabbitmqctl", args, { timeout: 120_000 });

/** Whatever happens to this script, the shared broker must be left running. */
function ensureBrokerRunning(): void {
  execFileSync("rabbitmqctl", ["start_app"], { stdio: "ignore", timeout: 120_000 });
  execFileSync("rabbitmqctl", ["await_startup"], { stdio: "ignore", timeout: 120_000 });
}

/** The broker's restart: when each rabbitmqctl step began or ended (epoch ms). */
interface Outage {
  stopping: number;
  stopped: number;
  starting: number;
  back: number;
}

async function restartBroker(): Promise<Outage> {
  const stopping = Date.now();
  await rabbitmqctl("stop_app");
  const stopped = Date.now();
  console.error(`broker stopped (stop_app took ${stopped - stopping} ms)`);
  await sleep(OUTAGE_MS);
  const starting = Date.now();
  await rabbitmqctl("start_app");
  await rabbitmqctl("await_startup");
  const back = Date.now();
  console.error(`broker back ${back - stopping} ms after stop_app began`);
  return { stopping, stopped, starting, back };
}

async function createDatabase() {
  const name = `codechef_restart_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const admin = await createConnection({ uri: MYSQL_URL });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    url: `${MYSQL_URL.replace(/\/+$/, "")}/${name}`,
    async drop() {
      const c = await createConnection({ uri: MYSQL_URL });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

async function startInstance(env: Record<string, string>) {
  const container = await createContainer(loadConfig(env));
  return startServer(container, 0, "127.0.0.1");
}

/** /ready of an instance, polled: when it first answered 503 and when 200 again after that. */
function watchReady(url: string) {
  const seen = { down: undefined as number | undefined, up: undefined as number | undefined };
  let watching = true;
  const done = (async () => {
    while (watching) {
      const status = await fetch(`${url}/ready`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 503 && seen.down === undefined) seen.down = Date.now();
      if (status === 200 && seen.down !== undefined && seen.up === undefined) seen.up = Date.now();
      await sleep(100);
    }
  })();
  return {
    seen,
    async stop() {
      watching = false;
      await done;
    },
  };
}

/**
 * A bare STOMP subscription next to the SDK's: it records only what the bus delivered live (the SDK also fills
 * gaps from the history, so its view alone cannot tell live from backfilled).
 */
async function liveTap(baseUrl: string, token: string, roomId: number) {
  const heard: { seq: number; at: number }[] = [];
  const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}${REALTIME_PATH}`, ["v12.stomp"]);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const decoder = new StompDecoder();
  const subscribed = new Promise<void>((resolve) => {
    ws.on("message", (data: Buffer) => {
      for (const frame of decoder.push(data)) {
        if (frame.command === "CONNECTED") {
          ws.send(
            serializeFrame({
              command: "SUBSCRIBE",
              headers: { id: "tap", destination: chatRoomTopic(roomId), receipt: "subscribed" },
              body: "",
            }),
          );
        } else if (frame.command === "RECEIPT") resolve();
        else if (frame.command === "MESSAGE") {
          heard.push({ seq: (JSON.parse(frame.body) as ChatMessage).seq, at: Date.now() });
        } else if (frame.command === "ERROR") console.error("live tap ERROR", frame.headers.message);
      }
    });
  });
  ws.send(
    serializeFrame({
      command: "CONNECT",
      headers: {
        "accept-version": "1.2",
        host: "localhost",
        "heart-beat": "0,0",
        Authorization: `Bearer ${token}`,
      },
      body: "",
    }),
  );
  await subscribed;
  return { heard, close: () => ws.close() };
}

async function signUp(baseUrl: string, name: string): Promise<CodeChef> {
  const client = new CodeChef({ baseUrl, maxRetries: 0 });
  const id = randomBytes(4).toString("hex");
  const email = `${name}-${id}@example.com`;
  const password = "correct horse battery";
  await client.auth.signup({ email, password, nickname: `${name}-${id}`, career: "WORKING" });
  await client.auth.login({ email, password });
  return client;
}

/** Sends `message i` for every i, one every PACE_MS; starts the broker's restart as message RESTART_AT goes. */
async function sendAll(sender: CodeChef, roomId: number) {
  let restart: Promise<Outage> | undefined;
  const started = Date.now();
  for (let i = 0; i < MESSAGES; i++) {
    if (i === RESTART_AT) {
      restart = restartBroker();
      restart.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
    }
    await sleep(started + i * PACE_MS - Date.now());
    await sender.realtime.send(roomId, { content: `message ${i}` });
  }
  const sentIn = Date.now() - started;
  if (!restart) throw new Error(`RESTART_AT ${RESTART_AT} is not below MESSAGES ${MESSAGES}`);
  return { sentIn, outage: await restart };
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** How often each seq occurs beyond the first, and which of `expected` never occur. */
function audit(seqs: number[], expected: number[]) {
  const counts = new Map<number, number>();
  for (const seq of seqs) counts.set(seq, (counts.get(seq) ?? 0) + 1);
  const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
  const missing = expected.filter((seq) => !counts.has(seq));
  const ordered = seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0));
  return { duplicates, missing, ordered };
}

async function main(): Promise<boolean> {
  const database = await createDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), "codechef-restart-"));
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL,
    AMQP_URL,
    KEY_PREFIX: `restart:${randomBytes(3).toString("hex")}`,
    JWT_SECRET: randomBytes(32).toString("hex"),
    // The pace is the script's; the per-session rate limit is not what this measures.
    REALTIME_MESSAGES_PER_SECOND: "1000",
    REALTIME_USER_MESSAGES_PER_SECOND: "1000",
  };
  const first = await startInstance(env);
  const second = await startInstance(env);
  const clients: CodeChef[] = [];
  let tap: Awaited<ReturnType<typeof liveTap>> | undefined;
  try {
    const host = await signUp(first.url, "host");
    const guest = await signUp(first.url, "guest");
    const guestOnSecond = new CodeChef({ baseUrl: second.url, token: guest.accessToken, maxRetries: 0 });
    clients.push(host, guestOnSecond);
    const room = await host.chat.rooms.create({ title: "broker restart" });
    const entry = await guest.chat.rooms.join(room.id);
    const afterSeq = entry.messages.at(-1)?.seq ?? 0;
    const expected = Array.from({ length: MESSAGES }, (_, i) => afterSeq + 1 + i);
    const lastSeq = afterSeq + MESSAGES;

    const view: { seq: number; content: string }[] = [];
    await guestOnSecond.realtime.subscribeRoom(
      room.id,
      (m) => view.push({ seq: m.seq, content: m.content }),
      {
        after: afterSeq,
      },
    );
    tap = await liveTap(second.url, guest.accessToken ?? "", room.id);
    const ready = [watchReady(first.url), watchReady(second.url)];

    const { sentIn, outage } = await sendAll(host, room.id);
    const sendsDone = Date.now();
    const caughtUp = await waitFor(() => (view.at(-1)?.seq ?? 0) >= lastSeq, DELIVERY_DEADLINE_MS);
    const settled = Date.now();
    await sleep(500); // anything arriving late would show up as a duplicate
    await Promise.all(ready.map((r) => r.stop()));

    const history: ChatMessage[] = [];
    for await (const message of host.chat.rooms.messages(room.id, { after: 0 })) history.push(message);
    const sends = history.filter((m) => m.type === "SEND");
    const historyOk =
      sends.length === MESSAGES &&
      sends.every((m, i) => m.content === `message ${i}` && m.seq === expected[i]);

    const seen = audit(
      view.map((m) => m.seq),
      expected,
    );
    const contentsOk = view.every((m) => m.content === `message ${m.seq - afterSeq - 1}`);
    const live = tap.heard;
    const liveAudit = audit(
      live.map((m) => m.seq),
      expected,
    );
    // Once stop_app has returned the broker has closed every connection: what arrives after it came after the outage.
    const liveBefore = live.filter((m) => m.at < outage.stopped);
    const liveAfter = live.filter((m) => m.at >= outage.stopped);
    const at = (time: number) => `${time >= outage.stopping ? "+" : ""}${time - outage.stopping} ms`;
    const readyFlip = ready.map(({ seen: s }) =>
      s.down !== undefined && s.up !== undefined
        ? `503 at ${at(s.down)}, 200 again at ${at(s.up)}`
        : `no 503 → 200 (503 ${s.down ? "seen" : "never seen"}, 200 ${s.up ? "seen" : "not again"})`,
    );
    const firstAfter = liveAfter[0]?.at;
    const stray = live.map((m) => m.seq).filter((seq) => seq <= afterSeq || seq > lastSeq);

    const rows: [string, string | number][] = [
      ["messages sent (instance 1, SDK realtime)", `${MESSAGES} in ${sentIn} ms`],
      [
        "SEND messages in history (REST, paged)",
        `${sends.length}${historyOk ? ", in order, seq contiguous" : " — WRONG"}`,
      ],
      ["delivered to the SDK subscriber (instance 2)", view.length],
      ["duplicates in the subscriber's ordered view", seen.duplicates],
      ["gaps (missing seqs) in the subscriber's ordered view", seen.missing.length],
      ["ordered view strictly increasing, contents match", seen.ordered && contentsOk ? "yes" : "NO"],
      [
        "subscriber caught up to the last seq",
        caughtUp ? `yes, ${settled - sendsDone} ms after the last send` : "NO (60 s deadline)",
      ],
      ["received live before the outage", liveBefore.length],
      ["received live after the outage", liveAfter.length],
      ["never received live (filled by the SDK from history)", liveAudit.missing.length],
      ["live repeats reaching the client (the hub drops repeats by id)", liveAudit.duplicates],
      ["live frames for seqs not sent in the run", stray.length ? stray.join(", ") : "none"],
      ["timeline: stop_app began", "+0 ms"],
      ["timeline: stop_app returned", at(outage.stopped)],
      [
        "timeline: last live delivery before the outage",
        liveBefore.length ? at(liveBefore.at(-1)?.at ?? 0) : "none",
      ],
      ["timeline: start_app began", at(outage.starting)],
      ["timeline: first live delivery after the outage", firstAfter ? at(firstAfter) : "none"],
      ["timeline: await_startup returned (broker back)", at(outage.back)],
      ["outage (stop_app began → await_startup returned)", `${outage.back - outage.stopping} ms`],
      [
        "broker back → first live delivery (negative: delivery resumed before await_startup returned)",
        firstAfter ? `${firstAfter - outage.back} ms` : "none",
      ],
      ["start_app began → first live delivery", firstAfter ? `${firstAfter - outage.starting} ms` : "none"],
      ["/ready instance 1", readyFlip[0] ?? ""],
      ["/ready instance 2", readyFlip[1] ?? ""],
    ];
    console.log("\n| figure | value |\n| --- | --- |");
    for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
    if (seen.missing.length > 0) console.log(`\nmissing seqs: ${seen.missing.slice(0, 50).join(", ")}`);
    return (
      caughtUp &&
      historyOk &&
      seen.duplicates === 0 &&
      seen.missing.length === 0 &&
      seen.ordered &&
      contentsOk
    );
  } finally {
    tap?.close();
    for (const client of clients) await client.realtime.disconnect();
    await first.stop();
    await second.stop();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Synchronous, so it runs on any exit: a normal one, a crash or Ctrl-C.
process.once("exit", ensureBrokerRunning);
process.once("SIGINT", () => process.exit(130));
process.exit((await main()) ? 0 : 1);
