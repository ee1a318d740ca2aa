import { join } from "node:path";
import { createPool } from "mysql2/promise";
import { WebSocket } from "ws";
import { type Measurement, measure } from "./load.ts";
import { startNode } from "./processes.ts";
import type { Services } from "./services.ts";

export type HttpBaseline = "node-http" | "koa" | "koa-redis" | "koa-mariadb";

export interface Figure {
  rps: number;
  p50: number;
  p99: number;
}

const figure = ({ rps, p50, p99 }: Measurement): Figure => ({ rps, p50, p99 });
const serverScript = join(import.meta.dirname, "baseline-server.ts");

/** One bare HTTP server under the same load as the scenario's reads. */
export async function httpBaseline(
  kind: HttpBaseline,
  services: Services,
  load: { connections: number; duration: number; warmup: number },
): Promise<Figure> {
  const server = await startNode(
    `baseline ${kind}`,
    [serverScript, kind],
    { MYSQL_URL: services.mysqlUrl, REDIS_URL: services.redisUrl, KEY_PREFIX: services.keyPrefix },
    "/",
  );
  try {
    return figure(await measure({ url: `${server.url}/`, ...load }));
  } finally {
    await server.stop();
  }
}

/**
 * The raw atomic `UPDATE … SET n = n + 1` the points scenario is measured against: `total` statements on one row
 * from `concurrency` connections, with no HTTP, validation or ledger around them. `rps` is statements per second.
 */
export async function atomicUpdateBaseline(
  services: Services,
  total: number,
  concurrency: number,
): Promise<Figure> {
  const pool = createPool({ uri: services.mysqlUrl, connectionLimit: concurrency });
  try {
    await pool.query("CREATE TABLE IF NOT EXISTS bench_counter (id INT PRIMARY KEY, n BIGINT NOT NULL)");
    await pool.query("REPLACE INTO bench_counter VALUES (1, 0)");
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < total) {
          const at = performance.now();
          await pool.query("UPDATE bench_counter SET n = n + 1 WHERE id = 1");
          latencies.push(performance.now() - at);
        }
      }),
    );
    const ms = performance.now() - started;
    const [rows] = await pool.query("SELECT n FROM bench_counter WHERE id = 1");
    const final = Number((rows as { n: number }[])[0]?.n);
    if (final !== total) throw new Error(`raw atomic UPDATE lost updates: ${final} of ${total}`);
    return { rps: Math.round((total / ms) * 1000), ...percentiles(latencies) };
  } finally {
    await pool.end();
  }
}

export function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * A bare `ws` broadcast to `subscribers` sockets: each of `messages` messages, sent by one more socket, is
 * delivered to every subscriber. `rps` is deliveries per second; p50/p99 are send-to-delivery milliseconds.
 */
export async function wsBroadcastBaseline(subscribers: number, messages: number): Promise<Figure> {
  const server = await startNode("baseline ws-broadcast", [serverScript, "ws-broadcast"], {}, "/");
  const url = server.url.replace("http", "ws");
  const sockets: WebSocket[] = [];
  try {
    const latencies: number[] = [];
    let delivered = 0;
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    for (let i = 0; i <= subscribers; i++) {
      const socket = new WebSocket(url);
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      sockets.push(socket);
      if (i === subscribers) break;
      socket.on("message", (data) => {
        latencies.push(performance.now() - Number(String(data)));
        if (++delivered === subscribers * messages) done();
      });
    }
    const sender = sockets[subscribers] as WebSocket;
    const started = performance.now();
    for (let i = 0; i < messages; i++) {
      sender.send(String(performance.now()));
      if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    await all;
    const ms = performance.now() - started;
    return { rps: Math.round((delivered / ms) * 1000), ...percentiles(latencies) };
  } finally {
    for (const socket of sockets) socket.terminate();
    await server.stop();
  }
}
