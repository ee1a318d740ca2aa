import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CodeChef } from "@codechef/sdk";
import { createConnection } from "mysql2/promise";
import { loadConfig } from "../../src/config.ts";
import { type AdapterOverrides, type Container, createContainer } from "../../src/container.ts";
import { startServer } from "../../src/server.ts";
import { type BackendName, serviceUrls } from "./backends.ts";
import { checkResponses } from "./spec-check.ts";

/** Every response a test server sends is checked against the OpenAPI document (see `checkResponses`). */
export interface TestServer {
  url: string;
  container: Container;
  env: Record<string, string>;
  client(): CodeChef;
  stop(): Promise<void>;
}

const unique = () => `t${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

/** A database of its own on the shared MariaDB, dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new URL(serviceUrls.mysql ?? "");
  const name = `codechef_${unique()}`;
  const connection = await createConnection({ uri: admin.toString() });
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await connection.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = await createConnection({ uri: admin.toString() });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

/** The environment of a fresh, isolated deployment on the given backend. */
export async function testEnvironment(backend: BackendName, overrides: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "codechef-test-"));
  const env: Record<string, string> = {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATA_DIR: dataDir,
    KEY_PREFIX: `test:${unique()}`,
    JWT_SECRET: randomBytes(32).toString("hex"),
    // Suites about something else create many things fast; the rate-limit suites turn the limits on.
    RATE_LIMITS: "off",
  };
  let drop = async () => {};
  if (backend === "services") {
    const database = await createTestDatabase();
    env.DATABASE_URL = database.url;
    env.REDIS_URL = serviceUrls.redis ?? "";
    if (serviceUrls.amqp) env.AMQP_URL = serviceUrls.amqp;
    drop = database.drop;
  }
  Object.assign(env, overrides);
  return {
    env,
    async cleanup() {
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startTestServer(
  backend: BackendName,
  overrides: Record<string, string> = {},
  adapters: AdapterOverrides = {},
) {
  const { env, cleanup } = await testEnvironment(backend, overrides);
  return startWithEnv(env, cleanup, adapters);
}

/** Starts a server on port 0 for an environment; several may share one (multi-instance tests). */
export async function startWithEnv(
  env: Record<string, string>,
  cleanup = async () => {},
  adapters: AdapterOverrides = {},
): Promise<TestServer> {
  const container = await createContainer(loadConfig(env), undefined, adapters);
  const running = await startServer(container, 0, "127.0.0.1");
  const spec = checkResponses(running.server);
  return {
    url: running.url,
    container,
    env,
    client: () => new CodeChef({ baseUrl: running.url, maxRetries: 0 }),
    async stop() {
      await running.stop();
      await cleanup();
      spec.assertNone();
    },
  };
}
