import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachBackend, describeWithServices } from "./support/backends.ts";
import { bearer, manyUsers } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, startWithEnv, type TestServer, testEnvironment } from "./support/test-server.ts";

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describeEachBackend("first-come events", (backend) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  beforeAll(async () => {
    server = await startTestServer(backend, { JOB_INTERVAL_MS: "0" });
    admin = await signedInAdmin(server);
  });
  afterAll(() => server?.stop());

  it("creates an event (admins only) that starts now by default", async () => {
    const user = await signedInUser(server);
    await expect(user.client.events.create({ title: "x", capacity: 1, points: 1 })).rejects.toMatchObject({
      status: 403,
    });
    const event = await admin.client.events.create({ title: "Launch", capacity: 2, points: 30 });
    expect(event).toMatchObject({ title: "Launch", capacity: 2, points: 30, taken: 0, endsAt: null });
    expect(Date.parse(event.startsAt)).toBeLessThanOrEqual(Date.now());
    expect((await user.client.events.list()).items.map((e) => e.id)).toContain(event.id);
  });

  it("refuses an end before the start", async () => {
    await expect(
      admin.client.events.create({
        title: "x",
        capacity: 1,
        points: 1,
        startsAt: iso(Date.now() + HOUR),
        endsAt: iso(Date.now()),
      }),
    ).rejects.toMatchObject({ status: 400, code: "INVALID_INPUT" });
  });

  it("grants the points once per user and answers each refusal with its code", async () => {
    const event = await admin.client.events.create({ title: "Two seats", capacity: 2, points: 25 });
    const [a, b, c] = await Promise.all([signedInUser(server), signedInUser(server), signedInUser(server)]);
    const entry = await a.client.events.join(event.id);
    expect(entry).toMatchObject({
      userId: a.user.id,
      delta: 25,
      balanceAfter: 25,
      reference: `event:${event.id}`,
    });
    await expect(a.client.events.join(event.id)).rejects.toMatchObject({
      status: 409,
      code: "ALREADY_JOINED",
    });
    await b.client.events.join(event.id);
    await expect(c.client.events.join(event.id)).rejects.toMatchObject({ status: 409, code: "EVENT_FULL" });
    // Full and already joined: the user hears they are in, not that it is full.
    await expect(a.client.events.join(event.id)).rejects.toMatchObject({ code: "ALREADY_JOINED" });
    expect((await c.client.events.get(event.id)).taken).toBe(2);
    expect((await c.client.users.points(c.user.id)).balance).toBe(0);
  });

  it("refuses joins before the start and after the end", async () => {
    const user = await signedInUser(server);
    const later = await admin.client.events.create({
      title: "Later",
      capacity: 5,
      points: 1,
      startsAt: iso(Date.now() + HOUR),
    });
    await expect(user.client.events.join(later.id)).rejects.toMatchObject({ code: "EVENT_NOT_STARTED" });
    const ended = await admin.client.events.create({
      title: "Ended",
      capacity: 5,
      points: 1,
      startsAt: iso(Date.now() - 2 * HOUR),
      endsAt: iso(Date.now() - HOUR),
    });
    await expect(user.client.events.join(ended.id)).rejects.toMatchObject({ code: "EVENT_ENDED" });
    await expect(user.client.events.join(999_999)).rejects.toMatchObject({ status: 404 });
    expect((await user.client.events.get(later.id)).taken).toBe(0);
  });

  it("tells every user once when an event starts, however often the due-check runs", async () => {
    const user = await signedInUser(server);
    const startsAt = Date.now() + HOUR;
    const event = await admin.client.events.create({
      title: "Starts soon",
      capacity: 5,
      points: 5,
      startsAt: iso(startsAt),
    });
    await server.container.jobs.runDueJobs(Date.now());
    const started = async () =>
      (await user.client.notifications.list()).items.filter(
        (n) => n.type === "EVENT_STARTED" && n.payload.eventId === event.id,
      );
    expect(await started()).toHaveLength(0);
    await server.container.jobs.runDueJobs(startsAt + 1);
    await server.container.jobs.runDueJobs(startsAt + 2);
    expect(await started()).toHaveLength(1);
  });
});

describeWithServices("first-come events under concurrency", () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  beforeAll(async () => {
    server = await startTestServer("services", { JOB_INTERVAL_MS: "0", DATABASE_POOL_SIZE: "40" });
    admin = await signedInAdmin(server);
  });
  afterAll(() => server?.stop());
  const db = () => server.container.database.db;
  const join = (eventId: number, token: string) =>
    raw(server, "POST", `/api/v1/events/${eventId}/join`, bearer(token));

  it("seats exactly 100 of 1,000 users joining at once", { timeout: 120_000 }, async () => {
    const users = await manyUsers(server, 1000);
    const event = await admin.client.events.create({ title: "Rush", capacity: 100, points: 10 });
    const answers = await Promise.all(users.map((user) => join(event.id, user.token)));
    const statuses = answers.map((a) => (a.status === 201 ? "201" : `${a.status} ${a.body?.error?.code}`));
    const counts = Object.fromEntries(
      [...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length]),
    );
    expect(counts).toEqual({ "201": 100, "409 EVENT_FULL": 900 });
    const ledger = await db()
      .selectFrom("point_ledger")
      .select("user_id")
      .where("idempotency_key", "like", `event:${event.id}:%`)
      .execute();
    expect(ledger).toHaveLength(100);
    const seated = answers.filter((a) => a.status === 201).map((a) => a.body.userId as number);
    expect(new Set(ledger.map((row) => row.user_id))).toEqual(new Set(seated));
    expect((await admin.client.events.get(event.id)).taken).toBe(100);
    const participants = await db()
      .selectFrom("event_participants")
      .select("user_id")
      .where("event_id", "=", event.id)
      .execute();
    expect(participants).toHaveLength(100);
  });

  it("gives one user joining 20 times at once one seat", async () => {
    const [user] = await manyUsers(server, 1);
    const event = await admin.client.events.create({ title: "Once", capacity: 10, points: 7 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => join(event.id, user?.token ?? "")));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409 && a.body.error.code === "ALREADY_JOINED")).toHaveLength(
      19,
    );
    expect((await admin.client.events.get(event.id)).taken).toBe(1);
    expect((await admin.client.users.points(user?.id ?? 0)).balance).toBe(7);
  });

  it("announces a start once with two instances checking at once", async () => {
    const { env, cleanup } = await testEnvironment("services", { JOB_INTERVAL_MS: "0" });
    const first = await startWithEnv(env);
    const second = await startWithEnv(env);
    try {
      const organiser = await signedInAdmin(first);
      const user = await signedInUser(second);
      const startsAt = Date.now() + HOUR;
      const event = await organiser.client.events.create({
        title: "Twice checked",
        capacity: 1,
        points: 1,
        startsAt: iso(startsAt),
      });
      await Promise.all([
        first.container.jobs.runDueJobs(startsAt),
        second.container.jobs.runDueJobs(startsAt),
        first.container.jobs.runDueJobs(startsAt + 1),
        second.container.jobs.runDueJobs(startsAt + 1),
      ]);
      const rows = await first.container.database.db
        .selectFrom("notifications")
        .select(["id", "payload"])
        .where("type", "=", "EVENT_STARTED")
        .execute();
      expect(rows.filter((row) => JSON.parse(row.payload).eventId === event.id)).toHaveLength(1);
      const seen = (await user.client.notifications.list()).items.filter(
        (n) => n.type === "EVENT_STARTED" && n.payload.eventId === event.id,
      );
      expect(seen).toHaveLength(1);
    } finally {
      await second.stop();
      await first.stop();
      await cleanup();
    }
  });
});
