import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachBackend, describeWithBroker, serviceUrls } from "./support/backends.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { collector, eventually, until } from "./support/realtime.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

/** The value of one sample of the Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const escaped = (name + (labels ? `{${labels}}` : "")).replace(/[{}\\[\]()|.+*?^$]/g, "\\$&");
  const match = new RegExp(`^${escaped} ([^\\s]+)$`, "m").exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

describeEachBackend("Prometheus metrics", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { LOGIN_FAILURES_PER_PAIR: "2/60" });
  });
  afterAll(() => server?.stop());

  const scrape = async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    return response.text();
  };

  it("shows each family of the dashboard, and the figures move with traffic", async () => {
    const before = await scrape();
    const admin = await signedInAdmin(server);
    const author = await signedInUser(server);
    const reader = await signedInUser(server);

    // Two wrong passwords, then the throttle refuses the third attempt.
    for (const expected of [401, 401, 429]) {
      const { status } = await raw(server, "POST", "/api/v1/auth/login", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: author.signup.email, password: "wrong wrong wrong" }),
      });
      expect(status).toBe(expected);
    }

    await admin.client.admin.users.grantPoints(author.user.id, { delta: 30, reason: "welcome" });
    await admin.client.admin.users.grantPoints(author.user.id, { delta: -12, reason: "correction" });

    const board = await author.client.boards.create({ title: "metrics board", contents: "counting things" });
    await reader.client.boards.get(board.id);
    await reader.client.boards.get(board.id);
    await reader.client.search.boards({ q: "metrics" });

    const room = await author.client.chat.rooms.create({ title: "metrics" });
    const entry = await reader.client.chat.rooms.join(room.id);
    const heard = collector();
    await reader.client.realtime.subscribeRoom(room.id, heard.push, { after: entry.messages.at(-1)?.seq });
    await author.client.realtime.send(room.id, { content: "counted" });
    await eventually(
      () => heard.messages.length,
      (n) => n === 1,
    );

    const after = await scrape();
    const moved = (name: string, labels = "") =>
      (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(moved("codechef_login_failures_total")).toBe(2);
    expect(moved("codechef_login_throttled_total")).toBe(1);
    expect(moved("codechef_points_moved_total", 'direction="granted"')).toBe(30);
    expect(moved("codechef_points_moved_total", 'direction="deducted"')).toBe(12);
    expect(moved("codechef_realtime_messages_delivered_total")).toBeGreaterThanOrEqual(1);
    expect(moved("codechef_bus_confirm_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(moved("codechef_search_duration_seconds_count")).toBe(1);
    // The second read of the board finds the first one's cached detail.
    expect(moved("codechef_cache_requests_total", 'result="hit"')).toBeGreaterThanOrEqual(1);
    expect(moved("codechef_cache_requests_total", 'result="miss"')).toBeGreaterThanOrEqual(1);
    expect(sample(after, "codechef_realtime_sessions")).toBeGreaterThanOrEqual(2);
    expect(sample(after, "codechef_realtime_subscriptions")).toBeGreaterThanOrEqual(1);
    expect(sample(after, "codechef_service_up", 'service="database"')).toBe(1);
    if (backend === "services") expect(sample(after, "codechef_service_up", 'service="redis"')).toBe(1);
    expect(sample(after, "codechef_outbox_backlog")).toBeGreaterThanOrEqual(0);
    expect(sample(after, "codechef_outbox_oldest_age_seconds")).toBeGreaterThanOrEqual(0);
    // Read before the scrape's own queries: between requests the pool goes idle, once the outbox relay's
    // background statements (its next look for rows, the delete of those confirmed) are done.
    let idle = after;
    await until(async () => {
      idle = await scrape();
      return (
        sample(idle, "codechef_db_pool_connections", 'state="in_use"') === 0 &&
        sample(idle, "codechef_db_pool_connections", 'state="waiting"') === 0
      );
    });
    expect(sample(idle, "codechef_db_pool_connections", 'state="in_use"')).toBe(0);
    expect(sample(idle, "codechef_db_pool_connections", 'state="waiting"')).toBe(0);
    // Failures of the relay and drops of slow clients have their own tests' causes; here they exist at zero.
    expect(sample(after, "codechef_outbox_relay_failures_total")).toBe(0);
    expect(sample(after, "codechef_realtime_messages_dropped_total")).toBe(0);
    expect(sample(after, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(sample(after, "nodejs_eventloop_lag_p99_seconds")).toBeGreaterThan(0);

    await author.client.realtime.disconnect();
    await reader.client.realtime.disconnect();
    await eventually(
      () => server.container.realtime.hub.sessionCount,
      (n) => n === 0,
    );
    expect(sample(await scrape(), "codechef_realtime_sessions")).toBe(0);
  });

  it("counts an outbox row waiting, with its age, while nothing relays it", async () => {
    await server.container.outbox.stop();
    await server.container.database.transaction((tx) =>
      server.container.outbox.enqueue(tx, "chat", { held: true }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const text = await scrape();
    expect(sample(text, "codechef_outbox_backlog")).toBe(1);
    expect(sample(text, "codechef_outbox_oldest_age_seconds")).toBeGreaterThanOrEqual(1);
  });

  // SQLite has one connection: the scrape's own queries would wait for the held transaction.
  it.runIf(backend === "services")("counts the connections a transaction holds", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const holding = new Promise<void>((resolve) => {
      started = resolve;
    });
    const transaction = server.container.database.transaction(async (tx) => {
      await tx.selectFrom("users").select("id").limit(1).execute();
      started();
      await held;
    });
    await holding;
    const text = await scrape();
    release();
    await transaction;
    expect(sample(text, "codechef_db_pool_connections", 'state="in_use"')).toBe(1);
  });
});

describeWithBroker("Prometheus metrics of the relay when its broker link hangs", () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  beforeAll(async () => {
    const broker = new URL(serviceUrls.amqp ?? "");
    proxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
    server = await startTestServer("services", {
      AMQP_URL: throughProxy(serviceUrls.amqp ?? "", proxy.port),
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await server?.stop();
    await proxy?.close();
  });

  it("counts a publish the broker never confirmed as a relay failure", { timeout: 30_000 }, async () => {
    const failures = async () =>
      sample(await (await fetch(`${server.url}/metrics`)).text(), "codechef_outbox_relay_failures_total");
    await eventually(() => server.container.outbox.leading, Boolean);
    expect(await failures()).toBe(0);
    proxy.freeze();
    // Relayed at once after commit, while the lease still holds: the publish waits for a confirm that never comes.
    await server.container.database.transaction((tx) =>
      server.container.outbox.enqueue(tx, "chat", { lost: 1 }),
    );
    await until(async () => (await failures()) === 1, 15_000);
    proxy.restore();
  });
});
