import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
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
 * How a fan-out's messages are sent: all at once (`intervalMs` 0), which measures deliveries per second, or one
 * every `intervalMs`, a steady rate below what either side can carry, which measures delivery latency.
 */
export interface FanOutLoad {
  messages: number;
  intervalMs: number;
}

/** A fan-out's figure: deliveries per second, and send-to-delivery milliseconds. */
export interface FanOutFigure extends Figure {
  delivered: number;
  expected: number;
  ms: number;
}

/** One load sent to `subscribers` sockets; every message carries its send time, read back by `delivered`. */
export class FanOut {
  readonly #latencies: number[] = [];
  readonly #expected: number;
  readonly #done = Promise.withResolvers<void>();
  readonly #load: FanOutLoad;
  #last = 0;

  constructor(subscribers: number, load: FanOutLoad) {
    this.#load = load;
    this.#expected = subscribers * load.messages;
  }

  delivered(sentAt: number): void {
    this.#last = performance.now();
    this.#latencies.push(this.#last - sentAt);
    if (this.#latencies.length === this.#expected) this.#done.resolve();
  }

  /** Sends every message through `send` (its payload is the send time), and waits for every delivery. */
  async run(send: (sentAt: string) => void, what: string): Promise<FanOutFigure> {
    const started = performance.now();
    for (let i = 0; i < this.#load.messages; i++) {
      const due = started + i * this.#load.intervalMs;
      if (this.#load.intervalMs > 0) await sleep(Math.max(0, due - performance.now()));
      send(String(performance.now()));
    }
    const timeout = setTimeout(
      () => {
        this.#done.reject(
          new Error(`${what}: ${this.#latencies.length} of ${this.#expected} delivered after 60 s`),
        );
      },
      60_000 + this.#load.messages * this.#load.intervalMs,
    );
    try {
      await this.#done.promise;
    } finally {
      clearTimeout(timeout);
    }
    const ms = this.#last - started;
    const delivered = this.#latencies.length;
    return {
      rps: Math.round((delivered / ms) * 1000),
      ...percentiles(this.#latencies),
      delivered,
      expected: this.#expected,
      ms,
    };
  }
}

/**
 * A bare `ws` broadcast to `subscribers` sockets: each message, sent by one more socket, is delivered to every
 * subscriber. One figure per load, in order, on the same sockets.
 */
export async function wsBroadcastBaseline(subscribers: number, loads: FanOutLoad[]): Promise<Figure[]> {
  const server = await startNode("baseline ws-broadcast", [serverScript, "ws-broadcast"], {}, "/");
  const url = server.url.replace("http", "ws");
  const sockets: WebSocket[] = [];
  let current: FanOut | undefined;
  try {
    for (let i = 0; i <= subscribers; i++) {
      const socket = new WebSocket(url);
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      sockets.push(socket);
      if (i < subscribers) socket.on("message", (data) => current?.delivered(Number(String(data))));
    }
    const sender = sockets[subscribers] as WebSocket;
    const figures: Figure[] = [];
    for (const load of loads) {
      current = new FanOut(subscribers, load);
      const { rps, p50, p99 } = await current.run((sentAt) => sender.send(sentAt), "ws broadcast");
      figures.push({ rps, p50, p99 });
    }
    return figures;
  } finally {
    for (const socket of sockets) socket.terminate();
    await server.stop();
  }
}
