import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { createContainer } from "../src/container.ts";
import { jsonLogger, logContext } from "../src/logger.ts";
import { startServer } from "../src/server.ts";
import { buildSignup } from "./support/factories.ts";
import { testEnvironment } from "./support/test-server.ts";

/** A destination that keeps every JSON line written to it. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe("logger", () => {
  it("writes JSON lines with ISO time, level and message, and the request id of the request in progress", async () => {
    const { lines, stream } = capture();
    const logger = jsonLogger("info", stream);
    logger.debug("below the level");
    await logContext.run({ requestId: "req-1" }, async () => logger.warn("inside", { n: 1 }));
    logger.info("outside");
    expect(lines).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: "warn",
        requestId: "req-1",
        n: 1,
        message: "inside",
      },
      { time: expect.any(String), level: "info", message: "outside" },
    ]);
  });

  it("redacts passwords, tokens and authorization headers wherever they appear", () => {
    const { lines, stream } = capture();
    const logger = jsonLogger("info", stream);
    logger.info("secrets", {
      password: "hunter22",
      body: { refreshToken: "r", accessToken: "a", newPassword: "n" },
      headers: { authorization: "Bearer abc", cookie: "c", accept: "*/*" },
    });
    const line = JSON.stringify(lines);
    for (const secret of ["hunter22", '"r"', '"a"', '"n"', "Bearer abc", '"c"'])
      expect(line).not.toContain(secret);
    expect(lines[0]).toMatchObject({ password: "[redacted]", headers: { accept: "*/*" } });
  });
});

describe("request logs", () => {
  const { lines, stream } = capture();
  let url: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const { env, cleanup } = await testEnvironment("embedded", { LOG_LEVEL: "info" });
    const container = await createContainer(loadConfig(env), jsonLogger("info", stream));
    const running = await startServer(container, 0, "127.0.0.1");
    url = running.url;
    stop = async () => {
      await running.stop();
      await cleanup();
    };
  });
  afterAll(() => stop?.());

  it("carry the request id and never a token or password", async () => {
    const signup = buildSignup();
    await fetch(`${url}/api/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "signup-1" },
      body: JSON.stringify(signup),
    });
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "login-1" },
      body: JSON.stringify({ email: signup.email, password: signup.password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    await fetch(`${url}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${accessToken}`, "x-request-id": "me-1" },
    });
    await new Promise((resolve) => setImmediate(resolve));
    const requests = lines.filter((line) => line.message === "request");
    expect(requests.map((line) => [line.requestId, line.status])).toEqual([
      ["signup-1", 201],
      ["login-1", 200],
      ["me-1", 200],
    ]);
    const all = JSON.stringify(lines);
    expect(all).not.toContain(accessToken);
    expect(all).not.toContain(signup.password);
  });
});
