import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HashGate } from "../src/modules/auth/hash-gate.ts";
import { describeEachBackend, describeWithServices, serviceUrls } from "./support/backends.ts";
import { json } from "./support/community.ts";
import { buildSignup, PASSWORD, raw, signedInUser } from "./support/factories.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

let next = 1;
/** A client address of its own for each caller, as the trusted proxy reports it. */
const address = () => `198.51.100.${next++ % 250}`;

const login = (server: TestServer, email: string, password: string, from: string, spoofed?: string) =>
  raw(
    server,
    "POST",
    "/api/v1/auth/login",
    json({ email, password }, { "x-forwarded-for": spoofed ? `${spoofed}, ${from}` : from }),
  );

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describeEachBackend("login defence in depth", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, {
      TRUST_PROXY: "1",
      LOGIN_FAILURES_PER_ACCOUNT: "6/3600",
      LOGIN_FAILURES_PER_ADDRESS: "12/3600",
      PASSWORD_HASH_CONCURRENCY: "2",
      PASSWORD_HASH_QUEUE: "16",
      PASSWORD_HASH_QUEUE_PER_ADDRESS: "2",
    });
  });
  afterAll(() => server?.stop());

  it("slows guessing at one account from many addresses, while the owner's known address gets in", async () => {
    const home = address();
    const { signup } = await signedInUser(server);
    expect((await login(server, signup.email, PASSWORD, home)).status).toBe(200);

    // 20 addresses, 5 guesses each: under the per-pair and per-address limits, not under the account's.
    const attackers = Array.from({ length: 20 }, address);
    const statuses = await Promise.all(
      attackers.flatMap((from) =>
        Array.from({ length: 5 }, () =>
          login(server, signup.email, "guess guess", from).then((r) => r.status),
        ),
      ),
    );
    expect(count(statuses, 401) + count(statuses, 429)).toBe(100);
    // Six free failures, then one guess per (doubling) delay: at most a few more while the burst lasts.
    expect(count(statuses, 401)).toBeGreaterThanOrEqual(6);
    expect(count(statuses, 401)).toBeLessThanOrEqual(10);

    // The burst's last paced guess may have waited out its delay while the hashes ran on a slow machine: guess
    // on until one gets through, which sets the next, doubled wait (at least 2 s) that the stranger then meets.
    for (;;) {
      const guess = await login(server, signup.email, "guess guess", address());
      if (guess.status === 401) break;
      expect(guess.status).toBe(429);
      await sleep(Number(guess.headers.get("retry-after")) * 1000);
    }
    const stranger = await login(server, signup.email, PASSWORD, address());
    expect(stranger.status).toBe(429);
    expect(Number(stranger.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(stranger.headers.get("retry-after"))).toBeLessThanOrEqual(300);
    expect((await login(server, signup.email, PASSWORD, home)).status).toBe(200);
  });

  it("throttles one address spraying guesses across many accounts", async () => {
    const sprayer = address();
    const accounts = [];
    for (let i = 0; i < 10; i++) accounts.push(await signedInUser(server));
    const statuses: number[] = [];
    for (const { signup } of accounts) {
      for (let i = 0; i < 2; i++)
        statuses.push((await login(server, signup.email, "spring2026", sprayer)).status);
    }
    expect(count(statuses, 401)).toBe(12);
    expect(count(statuses, 429)).toBe(8);
    // Another address is not affected; the sprayer's next attempt is refused even with the right password.
    expect((await login(server, accounts[0]?.signup.email ?? "", PASSWORD, address())).status).toBe(200);
    expect((await login(server, accounts[1]?.signup.email ?? "", PASSWORD, sprayer)).status).toBe(429);
  });

  it("answers a flood of password hashes with 429/503 while a real login from elsewhere succeeds", async () => {
    const { signup } = await signedInUser(server);
    const flooders = Array.from({ length: 6 }, address);
    const flood = Promise.all(
      flooders.flatMap((from) =>
        Array.from({ length: 10 }, (_, i) =>
          login(server, `nobody-${from}-${i}@example.com`, "junk junk", from).then((r) => r.status),
        ),
      ),
    );
    const real = await login(server, signup.email, PASSWORD, address());
    const statuses = await flood;
    expect(real.status).toBe(200);
    expect(statuses.every((s) => [401, 429, 503].includes(s))).toBe(true);
    expect(count(statuses, 429) + count(statuses, 503)).toBeGreaterThan(0);
  });

  it("keys the throttle on the address the trusted proxy appended, not on what the client wrote", async () => {
    const { signup } = await signedInUser(server);
    const client = address();
    for (let i = 0; i < 5; i++) {
      expect((await login(server, signup.email, "guess guess", client, `203.0.113.${i}`)).status).toBe(401);
    }
    const sixth = await login(server, signup.email, PASSWORD, client, "203.0.113.99");
    expect(sixth.status).toBe(429);
  });

  it("keeps its counts when other traffic fills the cache (a crawl of 10,201 boards)", async () => {
    const { signup } = await signedInUser(server);
    const from = address();
    for (let i = 0; i < 5; i++)
      expect((await login(server, signup.email, "guess guess", from)).status).toBe(401);
    // What a crawl of 10,201 boards does to the cache: more entries than the in-process cache holds.
    for (let i = 0; i < 10_201; i++) await server.container.cache.set(`board:crawl-${i}`, { i }, 60);
    expect((await login(server, signup.email, PASSWORD, from)).status).toBe(429);
  });
});

describeEachBackend("TRUST_PROXY as a list of proxy addresses", (backend) => {
  it("takes the rightmost address that is not a trusted proxy", async () => {
    const server = await startTestServer(backend, { TRUST_PROXY: "127.0.0.1,10.0.0.0/8" });
    try {
      const { signup } = await signedInUser(server);
      const attempt = (spoofed: string) =>
        raw(
          server,
          "POST",
          "/api/v1/auth/login",
          json(
            { email: signup.email, password: "guess guess" },
            { "x-forwarded-for": `${spoofed}, 192.0.2.7, 10.1.2.3` },
          ),
        );
      for (let i = 0; i < 5; i++) expect((await attempt(`203.0.113.${i}`)).status).toBe(401);
      expect((await attempt("203.0.113.77")).status).toBe(429);
      const otherClient = await raw(
        server,
        "POST",
        "/api/v1/auth/login",
        json({ email: signup.email, password: PASSWORD }, { "x-forwarded-for": "192.0.2.8, 10.1.2.3" }),
      );
      expect(otherClient.status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describeWithServices("login during a database outage", () => {
  it("does not count the outage's failures: the correct password gets in once the database is back", async () => {
    const mysql = new URL(serviceUrls.mysql ?? "");
    const proxy = await startTcpProxy(mysql.hostname, Number(mysql.port || 3306));
    const direct = await startTestServer("services");
    const server = await startTestServer("services", {
      DATABASE_URL: throughProxy(direct.env.DATABASE_URL ?? "", proxy.port),
    });
    try {
      const signup = buildSignup();
      await server.client().auth.signup(signup);
      proxy.cut();
      const during: number[] = [];
      for (let i = 0; i < 8; i++) {
        during.push(
          (await raw(server, "POST", "/api/v1/auth/login", json({ email: signup.email, password: PASSWORD })))
            .status,
        );
      }
      expect(during.every((status) => status >= 500)).toBe(true);
      proxy.restore();
      const after = await raw(
        server,
        "POST",
        "/api/v1/auth/login",
        json({ email: signup.email, password: PASSWORD }),
      );
      expect(after.status).toBe(200);
    } finally {
      await server.stop();
      await direct.stop();
      await proxy.close();
    }
  });
});

describe("the password-hash queue", () => {
  it("lets addresses take turns, refuses a full lane with 429 and a full queue with 503", async () => {
    const gate = new HashGate({ concurrency: 1, queue: 5, queuePerAddress: 3 });
    const order: string[] = [];
    let release = () => {};
    const first = gate.run("10.0.0.1", () => new Promise<void>((resolve) => (release = resolve)));
    const queued = [
      ...["a1", "a2", "a3"].map((name) => gate.run("10.0.0.1", async () => void order.push(name))),
      gate.run("10.0.0.2", async () => void order.push("b1")),
    ];
    await expect(gate.run("10.0.0.1", async () => {})).rejects.toMatchObject({ status: 429 });
    queued.push(gate.run("10.0.0.3", async () => void order.push("c1")));
    await expect(gate.run("10.0.0.4", async () => {})).rejects.toMatchObject({ status: 503 });
    release();
    await Promise.all([first, ...queued]);
    expect(order).toEqual(["a1", "b1", "c1", "a2", "a3"]);
  });
});
