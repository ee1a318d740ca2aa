import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { request } from "node:http";
import { join } from "node:path";
import { API_BASE_PATH, endpoints } from "@codechef/contract";
import { CodeChef } from "@codechef/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { describeEachBackend, describeWithServices, serviceUrls } from "./support/backends.ts";
import { buildSignup, PASSWORD, raw, signedInUser } from "./support/factories.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";
import { startTestServer, type TestServer, testEnvironment } from "./support/test-server.ts";

describe("configuration", () => {
  it("defaults to the embedded deployment", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.database.url).toBe("sqlite:./data/codechef.db");
    expect(config.redisUrl).toBeUndefined();
  });

  it("names every bad variable", () => {
    const error = (() => {
      try {
        loadConfig({ PORT: "eighty", DATABASE_URL: "postgres://x", JWT_SECRET: "short", KEY_PREFIX: "a b" });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    const named = error.problems.map((p) => p.split(":")[0]);
    expect(named.sort()).toEqual(["DATABASE_URL", "JWT_SECRET", "KEY_PREFIX", "PORT"]);
  });

  it("requires JWT_SECRET off SQLite", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://root@127.0.0.1/test" })).toThrow(/JWT_SECRET/);
  });
});

describeEachBackend("operations", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  it("is healthy and ready, naming each service", async () => {
    expect((await raw(server, "GET", "/health")).status).toBe(200);
    const ready = await raw(server, "GET", "/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.services).toMatchObject(
      backend === "services" ? { database: "up", redis: "up" } : { database: "up" },
    );
  });

  it("describes every contract endpoint in /openapi.json", async () => {
    const { body } = await raw(server, "GET", "/openapi.json");
    for (const [name, e] of endpoints()) {
      const path = API_BASE_PATH + e.path.replace(/:(\w+)/g, "{$1}");
      expect(body.paths[path]?.[e.method.toLowerCase()]?.operationId, name).toBe(name);
    }
  });

  it("measures request duration by route and status", async () => {
    await raw(server, "GET", "/api/v1/users/999999");
    const response = await fetch(`${server.url}/metrics`);
    const text = await response.text();
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/users\/:id",status="404"\} \d+/,
    );
  });

  it("refuses HEAD on the API, so it cannot count a board view", async () => {
    const { client } = await signedInUser(server);
    const board = await client.boards.create({ title: "head", contents: "body" });
    const head = await fetch(`${server.url}/api/v1/boards/${board.id}`, { method: "HEAD" });
    expect(head.status).toBe(405);
    expect((await client.boards.get(board.id)).viewCount).toBe(1);
  });

  it("echoes a request id, or makes one", async () => {
    const given = await raw(server, "GET", "/api/v1/users/999999", {
      headers: { "x-request-id": "abc-123" },
    });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    expect(given.body.error.requestId).toBe("abc-123");
    const made = await raw(server, "GET", "/health");
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describeWithServices("shared services", () => {
  it("absorbs 300 concurrent requests on the default pools without a 503", async () => {
    const server = await startTestServer("services");
    try {
      const { user, session } = await signedInUser(server);
      const statuses = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          i % 2 === 0
            ? raw(server, "GET", `/api/v1/users/${user.id}`).then((r) => r.status)
            : raw(server, "GET", "/api/v1/users/me", {
                headers: { authorization: `Bearer ${session.accessToken}` },
              }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it("with Redis unreachable: /ready is 503 naming redis, login still answers", async () => {
    const server = await startTestServer("services", { REDIS_URL: "redis://127.0.0.1:1/0" });
    try {
      const ready = await raw(server, "GET", "/ready");
      expect(ready.status).toBe(503);
      expect(ready.body.services).toEqual({
        database: "up",
        redis: "down",
        ...(serviceUrls.amqp && { rabbitmq: "up" }),
      });
      const signup = buildSignup();
      const client = server.client();
      await client.auth.signup(signup);
      const session = await client.auth.login({ email: signup.email, password: PASSWORD });
      expect(session.user.email).toBe(signup.email);
      // The throttle still counts, in the process, while Redis is away.
      for (let i = 0; i < 5; i++) {
        const r = await raw(server, "POST", "/api/v1/auth/login", {
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: signup.email, password: "wrong password" }),
        });
        expect(r.status).toBe(401);
      }
      const sixth = await raw(server, "POST", "/api/v1/auth/login", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: signup.email, password: "wrong password" }),
      });
      expect(sixth.status).toBe(429);
    } finally {
      await server.stop();
    }
  });
});

describeWithServices("a Redis that hangs", () => {
  it("costs one deadline, then requests go on without it: /ready 503, login and board reads answer", async () => {
    const target = new URL(serviceUrls.redis ?? "");
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    const server = await startTestServer("services", {
      REDIS_URL: throughProxy(target.toString(), proxy.port),
    });
    try {
      const { client, signup } = await signedInUser(server);
      const board = await client.boards.create({ title: "cached", contents: "while redis hangs" });
      await client.boards.get(board.id);
      proxy.freeze();
      // A generous client deadline: a hang fails the test, a slow machine does not.
      const patient = new CodeChef({ baseUrl: server.url, maxRetries: 0, timeoutMs: 10_000 });
      const login = () => patient.auth.login({ email: signup.email, password: PASSWORD });
      expect((await login()).user.email).toBe(signup.email);
      expect((await login()).user.email).toBe(signup.email);
      // Signed in as the user who viewed it already: answered, counted once per hour.
      expect((await patient.boards.get(board.id)).viewCount).toBe(1);
      expect((await server.client().boards.get(board.id)).viewCount).toBe(2);
      const ready = await raw(server, "GET", "/ready");
      expect(ready.status).toBe(503);
      expect(ready.body.services.redis).toBe("down");
      proxy.restore();
    } finally {
      await server.stop();
      await proxy.close();
    }
  });
});

describe("graceful shutdown", () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill("SIGKILL"));

  it("lets an in-flight request finish after SIGTERM, then exits 0", async () => {
    const { env, cleanup } = await testEnvironment("embedded", {
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
    });
    const main = join(import.meta.dirname, "../src/main.ts");
    child = spawn(process.execPath, ["--conditions=@codechef/source", main], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const logged = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const look = () => {
          const match = pattern.exec(output);
          if (match) resolve(match);
          else if (child?.exitCode !== null) reject(new Error(`server exited:\n${output}`));
          else setTimeout(look, 20);
        };
        look();
      });
    const [, url] = await logged(/"url":"([^"]+)".*"message":"listening"/);

    // A signup whose body is still arriving when SIGTERM comes, finished only once shutdown has begun.
    const body = JSON.stringify(buildSignup());
    const pending = new Promise<number>((resolve, reject) => {
      const req = request(`${url}/api/v1/auth/signup`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      });
      req.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on("error", reject);
      req.flushHeaders();
      req.write(body.slice(0, 10), async () => {
        await new Promise((settle) => setTimeout(settle, 100));
        child?.kill("SIGTERM");
        await logged(/"message":"shutting down"/);
        req.end(body.slice(10));
      });
    });
    expect(await pending).toBe(201);
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    await cleanup();
  });
});
