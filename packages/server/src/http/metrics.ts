import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** What the gauges read on each scrape; nothing is sampled in between. */
export interface ScrapeSources {
  readiness(): Promise<Record<string, "up" | "down">>;
  realtime(): { sessions: number; subscriptions: number };
  outbox(): Promise<{ rows: number; oldestAgeSeconds: number }>;
  connections: Readonly<{ inUse: number; waiting: number }>;
}

/**
 * One registry per app, so several apps in one process (tests, multi-instance) keep their own figures. Counters
 * and histograms are moved by small hooks the container wires beside the code they count; gauges are read from
 * existing state when Prometheus scrapes (`watch`). The names are those of `ops/` (dashboard and alert rules).
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name: `codechef_${name}`, help, labelNames, registers });
  const seconds = (name: string, help: string, buckets: number[]) =>
    new Histogram({ name: `codechef_${name}`, help, buckets, registers });

  const metrics = {
    registry,
    requestDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration by route and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    delivered: counter("realtime_messages_delivered_total", "MESSAGE frames written to STOMP subscribers"),
    dropped: counter(
      "realtime_messages_dropped_total",
      "MESSAGE frames not delivered: the session was closed, too slow, or over its unacknowledged limit",
    ),
    relayFailures: counter("outbox_relay_failures_total", "outbox rows the bus refused or did not confirm"),
    busConfirm: seconds(
      "bus_confirm_seconds",
      "time from publishing an outbox row to the bus's confirm",
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    ),
    cacheRequests: counter("cache_requests_total", "cache reads by result", ["result"] as const),
    searchDuration: seconds(
      "search_duration_seconds",
      "board searches in the search index",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    ),
    loginFailures: counter("login_failures_total", "logins refused for a wrong password"),
    loginThrottled: counter("login_throttled_total", "logins refused by the login throttle (429)"),
    pointsMoved: counter("points_moved_total", "points granted and deducted through the ledger", [
      "direction",
    ] as const),

    /** Reads the gauges from `sources` on every scrape. */
    watch(sources: ScrapeSources): void {
      const gauge = <L extends string>(
        name: string,
        help: string,
        collect: (this: Gauge<L>) => void | Promise<void>,
        labelNames: readonly L[] = [],
      ) => new Gauge<L>({ name: `codechef_${name}`, help, labelNames, registers, collect });
      // First: collected before the other gauges' queries take connections.
      gauge(
        "db_pool_connections",
        "database connections held by a query or transaction, and queries awaiting one",
        function () {
          this.set({ state: "in_use" }, sources.connections.inUse);
          this.set({ state: "waiting" }, sources.connections.waiting);
        },
        ["state"] as const,
      );
      gauge(
        "service_up",
        "1 when the adapter answers its readiness probe (what /ready asks)",
        async function () {
          const services = await sources.readiness();
          for (const [service, state] of Object.entries(services))
            this.set({ service }, state === "up" ? 1 : 0);
        },
        ["service"] as const,
      );
      gauge("realtime_sessions", "open STOMP sessions on this instance", function () {
        this.set(sources.realtime().sessions);
      });
      gauge("realtime_subscriptions", "STOMP subscriptions on this instance", function () {
        this.set(sources.realtime().subscriptions);
      });
      // Both read by one query per scrape.
      let backlog: Promise<{ rows: number; oldestAgeSeconds: number }> | undefined;
      const readBacklog = () => {
        backlog ??= sources.outbox().finally(() => setImmediate(() => (backlog = undefined)));
        return backlog;
      };
      gauge(
        "outbox_backlog",
        "outbox rows waiting for the bus (every instance sees the same table)",
        async function () {
          this.set((await readBacklog()).rows);
        },
      );
      gauge(
        "outbox_oldest_age_seconds",
        "age of the oldest outbox row; 0 when none waits",
        async function () {
          this.set((await readBacklog()).oldestAgeSeconds);
        },
      );
    },
  };
  metrics.cacheRequests.inc({ result: "hit" }, 0);
  metrics.cacheRequests.inc({ result: "miss" }, 0);
  metrics.pointsMoved.inc({ direction: "granted" }, 0);
  metrics.pointsMoved.inc({ direction: "deducted" }, 0);
  return metrics;
}
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * `target` with `method` observed: `after` gets the seconds it took and its result (or `undefined, error`).
 * The rest of `target` is untouched, so an adapter is instrumented without knowing it.
 */
export function observed<T extends object, K extends keyof T>(
  target: T,
  method: K,
  after: (seconds: number, result: unknown, error?: unknown) => void,
): T {
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  const wrapped = async (...args: unknown[]) => {
    const started = performance.now();
    try {
      const result = await original.apply(target, args);
      after((performance.now() - started) / 1000, result);
      return result;
    } catch (error) {
      after((performance.now() - started) / 1000, undefined, error);
      throw error;
    }
  };
  return new Proxy(target, {
    get(object, property) {
      if (property === method) return wrapped;
      const value = Reflect.get(object, property, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}
