import { describe } from "vitest";

/**
 * The server runs its API suites once per backend: `embedded` (SQLite file, in-process adapters) and `services`
 * (MariaDB + Redis, plus RabbitMQ when TEST_AMQP_URL is set). `BACKENDS=embedded` narrows the run.
 */
export type BackendName = "embedded" | "services";

export const serviceUrls = {
  mysql: process.env.TEST_MYSQL_URL,
  redis: process.env.TEST_REDIS_URL,
  amqp: process.env.TEST_AMQP_URL,
};

const wanted = (process.env.BACKENDS ?? "embedded,services").split(",").map((name) => name.trim());
const missing = ["TEST_MYSQL_URL", "TEST_REDIS_URL"].filter((name) => !process.env[name]);

if (wanted.includes("services") && missing.length > 0) {
  console.warn(
    `\n!!! MariaDB/Redis suites are SKIPPED: ${missing.join(" and ")} not set. ` +
      "`.ci/run` sets them; locally: TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test TEST_REDIS_URL=redis://127.0.0.1:6379/0\n",
  );
}

export const backends: BackendName[] = wanted.filter(
  (name): name is BackendName => name === "embedded" || (name === "services" && missing.length === 0),
);

/** `describe` once per available backend; a backend whose services are not configured is shown as skipped. */
export function describeEachBackend(title: string, suite: (backend: BackendName) => void): void {
  for (const backend of ["embedded", "services"] as const) {
    const run = backends.includes(backend) ? describe : describe.skip;
    run(`${title} [${backend}]`, () => suite(backend));
  }
}

/** For suites that need RabbitMQ (TEST_AMQP_URL) besides MariaDB and Redis. */
export function describeWithBroker(title: string, suite: () => void): void {
  const run = backends.includes("services") && serviceUrls.amqp ? describe : describe.skip;
  run(`${title} [services+rabbitmq]`, suite);
}

/** For suites that only make sense on real services (concurrency on MariaDB, Redis outages). */
export function describeWithServices(title: string, suite: () => void): void {
  const run = backends.includes("services") ? describe : describe.skip;
  run(`${title} [services]`, suite);
}
