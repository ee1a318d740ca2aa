import autocannon from "autocannon";

/** One measured load: what autocannon saw, in the units the results use. */
export interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  durationMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Responses by status, so an expected refusal (409 EVENT_FULL) is counted apart from a failure. */
  statuses: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Run for this many seconds… */
  duration?: number;
  /** …or until this many requests are answered. */
  amount?: number;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request (a distinct idempotency key or user); autocannon's `requests[]`. */
  requests?: autocannon.Request[];
  /** Statuses besides 2xx that this load expects (a race's refusals). */
  expected?: number[];
  /** Seconds of the same load first, not measured. */
  warmup?: number;
  /** Seconds one request may take (default 10); a counted race queues its requests behind one row. */
  timeout?: number;
}

/** The same load for `seconds`, not measured: caches, JIT and pools warm up; what it answers does not count. */
export async function warmUp(url: string, connections: number, seconds: number): Promise<void> {
  await autocannon({ url, connections, duration: seconds, timeout: 10 });
}

/** A run that saw failures it did not expect: no figure is reported for it. */
export class BenchFailure extends Error {}

export async function measure(options: LoadOptions): Promise<Measurement> {
  const { warmup, expected = [], timeout = 10, ...load } = options;
  const config: autocannon.Options = {
    url: load.url,
    connections: load.connections,
    method: load.method ?? "GET",
    headers: { "content-type": "application/json", ...load.headers },
    ...(load.body !== undefined && { body: load.body }),
    ...(load.requests && { requests: load.requests }),
    ...(load.amount ? { amount: load.amount } : { duration: load.duration ?? 10 }),
    timeout,
  };
  if (warmup) await autocannon({ ...config, amount: undefined, duration: warmup });
  const statuses: Record<string, number> = {};
  const started = performance.now();
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(config, (error, done) => (error ? reject(error) : resolve(done)));
    run.on("response", (_client, statusCode) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      lastAnswer = performance.now();
    });
  });
  // autocannon reports on a one-second tick; the load itself ends with its last answer.
  const durationMs = Math.round(lastAnswer - started);
  const unexpected = Object.entries(statuses)
    .filter(([status]) => !status.startsWith("2") && !expected.includes(Number(status)))
    .map(([status, count]) => `${count} × ${status}`);
  if (result.requests.total === 0) {
    throw new BenchFailure(
      `${load.method ?? "GET"} ${load.url}: no answer within the load's ${load.duration ?? 10} s — no figure reported (a longer --duration gives slow strategies time to answer)`,
    );
  }
  if (unexpected.length > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new BenchFailure(
      `${load.method ?? "GET"} ${load.url}: ${[...unexpected, `${result.errors} errors`, `${result.timeouts} timeouts`].join(", ")} — no figure reported`,
    );
  }
  return {
    rps: Math.round((result.requests.total / durationMs) * 1000),
    p50: result.latency.p50,
    p99: result.latency.p99,
    durationMs,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
}
