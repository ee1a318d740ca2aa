import { afterAll, beforeAll, expect, it } from "vitest";
import { SandboxGateway } from "../src/adapters/payments/sandbox-gateway.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, json } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const DAY = 86_400_000;
/** Past the lease a sender holds on its charge: the reconciler takes over. */
const AFTER_LEASE = 61_000;

describeEachBackend("paid subscriptions (sandbox gateway)", (backend) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  beforeAll(async () => {
    server = await startTestServer(backend, { JOB_INTERVAL_MS: "0", RENEWAL_RETRIES: "2" });
    admin = await signedInAdmin(server);
  });
  afterAll(() => server?.stop());

  const sandbox = () => {
    const gateway = server.container.payments;
    if (!(gateway instanceof SandboxGateway)) throw new Error("the test server runs the sandbox gateway");
    return gateway;
  };
  const chargesOf = (subscriptionId: number) =>
    sandbox()
      .ledger()
      .charges.filter((c) => c.idempotencyKey.startsWith(`sub:${subscriptionId}:`));
  const balance = async (user: { client: ReturnType<TestServer["client"]>; user: { id: number } }) =>
    (await user.client.users.points(user.user.id)).balance;
  const jobs = (at: number) => server.container.jobs.runDueJobs(at);
  const subscribeRaw = (token: string, body: unknown, key?: string) =>
    raw(
      server,
      "POST",
      "/api/v1/subscriptions",
      bearer(token, json(body, key ? { "idempotency-key": key } : {})),
    );

  it("offers the default plan", async () => {
    const { items } = await server.client().subscriptions.plans();
    expect(items).toEqual([
      { id: "monthly", name: "Monthly", price: 990, currency: "usd", periodDays: 30, pointsPerPeriod: 1000 },
    ]);
  });

  it("subscribes, charges once and grants the period's points once", async () => {
    const user = await signedInUser(server);
    const subscription = await user.client.subscriptions.subscribe({
      planId: "monthly",
      paymentToken: "sandbox-ok",
    });
    expect(subscription).toMatchObject({ status: "ACTIVE", pointsGranted: 1000, plan: { id: "monthly" } });
    expect(Date.parse(subscription.currentPeriodEnd ?? "")).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(await balance(user)).toBe(1000);
    expect(chargesOf(subscription.id)).toHaveLength(1);
    const { items } = await user.client.users.points(user.user.id);
    expect(items).toHaveLength(1);
    expect((await user.client.subscriptions.mine()).items).toEqual([subscription]);
    await expect(
      user.client.subscriptions.subscribe({ planId: "monthly", paymentToken: "sandbox-ok" }),
    ).rejects.toMatchObject({ status: 409, code: "ALREADY_SUBSCRIBED" });
    await expect(
      user.client.subscriptions.subscribe({ planId: "yearly", paymentToken: "sandbox-ok" }),
    ).rejects.toMatchObject({ status: 400, code: "UNKNOWN_PLAN" });
  });

  it("charges once for 20 concurrent calls with one Idempotency-Key", async () => {
    const user = await signedInUser(server);
    const body = { planId: "monthly", paymentToken: "sandbox-ok" };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => subscribeRaw(user.session.accessToken, body, "pay-once")),
    );
    // One charge, answered 20 times: the replays repeat the first answer, status included.
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(chargesOf(answers[0]?.body.id)).toHaveLength(1);
    expect(await balance(user)).toBe(1000);
    const reused = await subscribeRaw(
      user.session.accessToken,
      { ...body, paymentToken: "sandbox-decline" },
      "pay-once",
    );
    expect(reused).toMatchObject({ status: 409, body: { error: { code: "IDEMPOTENCY_KEY_REUSED" } } });
  });

  it("charges once for concurrent calls without a key (one live subscription per user)", async () => {
    const user = await signedInUser(server);
    const body = { planId: "monthly", paymentToken: "sandbox-ok" };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => subscribeRaw(user.session.accessToken, body)),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(
      answers.filter((a) => a.status === 409 && a.body.error.code === "ALREADY_SUBSCRIBED"),
    ).toHaveLength(9);
    expect(await balance(user)).toBe(1000);
  });

  it("grants nothing when the payment is declined", async () => {
    const user = await signedInUser(server);
    await expect(
      user.client.subscriptions.subscribe({ planId: "monthly", paymentToken: "sandbox-decline" }),
    ).rejects.toMatchObject({ status: 402, code: "PAYMENT_DECLINED" });
    expect(await balance(user)).toBe(0);
    const [declined] = (await user.client.subscriptions.mine()).items;
    expect(declined).toMatchObject({ status: "EXPIRED", pointsGranted: 0 });
    // A declined attempt does not hold the user's one live subscription.
    await user.client.subscriptions.subscribe({ planId: "monthly", paymentToken: "sandbox-ok" });
  });

  it("leaves an unknown outcome PENDING and reconciles it to one charge", async () => {
    const user = await signedInUser(server);
    const pending = await user.client.subscriptions.subscribe(
      { planId: "monthly", paymentToken: "sandbox-timeout" },
      { idempotencyKey: "timeout-1" },
    );
    expect(pending).toMatchObject({ status: "PENDING", pointsGranted: 0 });
    expect(await balance(user)).toBe(0);
    await jobs(Date.now()); // still the sender's lease: nothing happens
    expect((await user.client.subscriptions.mine()).items[0]?.status).toBe("PENDING");
    const at = Date.now() + AFTER_LEASE;
    await Promise.all([jobs(at), jobs(at)]);
    await jobs(at + AFTER_LEASE);
    const [settled] = (await user.client.subscriptions.mine()).items;
    expect(settled).toMatchObject({ status: "ACTIVE", pointsGranted: 1000 });
    expect(await balance(user)).toBe(1000);
    expect(chargesOf(pending.id)).toHaveLength(1);
  });

  it("renews at the period's end once, granting the next period's points once", async () => {
    const user = await signedInUser(server);
    const first = await user.client.subscriptions.subscribe({
      planId: "monthly",
      paymentToken: "sandbox-ok",
    });
    const end = Date.parse(first.currentPeriodEnd ?? "");
    await jobs(end - 1);
    expect(chargesOf(first.id)).toHaveLength(1);
    await Promise.all([jobs(end + 1), jobs(end + 1)]);
    await jobs(end + 2);
    const [renewed] = (await user.client.subscriptions.mine()).items;
    expect(renewed).toMatchObject({ status: "ACTIVE", pointsGranted: 2000 });
    expect(Date.parse(renewed?.currentPeriodEnd ?? "")).toBe(end + 30 * DAY);
    expect(chargesOf(first.id)).toHaveLength(2);
    expect(await balance(user)).toBe(2000);
    const keys = (await user.client.users.points(user.user.id)).items.map((e) => e.reference);
    expect(keys).toEqual([`subscription:${first.id}`, `subscription:${first.id}`]);
  });

  it("goes PAST_DUE on a declined renewal, retries, then EXPIRED", async () => {
    const user = await signedInUser(server);
    const first = await user.client.subscriptions.subscribe({
      planId: "monthly",
      paymentToken: "sandbox-ok-then-decline",
    });
    let at = Date.parse(first.currentPeriodEnd ?? "") + 1;
    const status = async () => (await user.client.subscriptions.mine()).items[0]?.status;
    await jobs(at);
    expect(await status()).toBe("PAST_DUE");
    at += DAY;
    await jobs(at);
    expect(await status()).toBe("PAST_DUE");
    at += DAY;
    await jobs(at);
    expect(await status()).toBe("EXPIRED");
    await jobs(at + DAY);
    expect(await balance(user)).toBe(1000);
    expect(chargesOf(first.id)).toHaveLength(1);
  });

  it("cancels: no renewal, access to the period's end, then expired", async () => {
    const user = await signedInUser(server);
    const first = await user.client.subscriptions.subscribe({
      planId: "monthly",
      paymentToken: "sandbox-ok",
    });
    const canceled = await user.client.subscriptions.cancel(first.id);
    expect(canceled).toMatchObject({ status: "CANCELED", currentPeriodEnd: first.currentPeriodEnd });
    const end = Date.parse(first.currentPeriodEnd ?? "");
    await jobs(end + 1);
    expect((await user.client.subscriptions.mine()).items[0]?.status).toBe("EXPIRED");
    expect(chargesOf(first.id)).toHaveLength(1);
    const stranger = await signedInUser(server);
    await expect(stranger.client.subscriptions.cancel(first.id)).rejects.toMatchObject({ status: 404 });
  });

  it("refunds once and takes the points back in one ledger entry", async () => {
    const user = await signedInUser(server);
    const first = await user.client.subscriptions.subscribe({
      planId: "monthly",
      paymentToken: "sandbox-ok",
    });
    const refundsBefore = sandbox().ledger().refunds;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        raw(server, "POST", `/api/v1/subscriptions/${first.id}/refund`, bearer(user.session.accessToken)),
      ),
    );
    expect(answers.map((a) => `${a.status} ${a.body.status ?? a.body.error?.code}`)).toEqual(
      Array.from({ length: 10 }, () => "200 REFUNDED"),
    );
    expect(sandbox().ledger().refunds - refundsBefore).toBe(1);
    expect(await balance(user)).toBe(0);
    const { items } = await user.client.users.points(user.user.id);
    expect(items.map((e) => e.delta)).toEqual([-1000, 1000]);
    const row = await server.container.database.db
      .selectFrom("point_ledger")
      .select("idempotency_key")
      .where("user_id", "=", user.user.id)
      .where("delta", "<", 0)
      .executeTakeFirstOrThrow();
    expect(row.idempotency_key).toBe(`refund:${first.id}`);
    expect((await user.client.subscriptions.mine()).items[0]).toMatchObject({
      status: "REFUNDED",
      pointsGranted: 0,
    });
    // The user may subscribe again after a refund.
    await user.client.subscriptions.subscribe({ planId: "monthly", paymentToken: "sandbox-ok" });
  });

  it("refuses a refund when the points were spent, and refunds nothing", async () => {
    const user = await signedInUser(server);
    const first = await user.client.subscriptions.subscribe({
      planId: "monthly",
      paymentToken: "sandbox-ok",
    });
    await admin.client.admin.users.grantPoints(user.user.id, { delta: -400, reason: "spent in the shop" });
    const refundsBefore = sandbox().ledger().refunds;
    await expect(user.client.subscriptions.refund(first.id)).rejects.toMatchObject({
      status: 409,
      code: "INSUFFICIENT_POINTS",
    });
    expect(sandbox().ledger().refunds).toBe(refundsBefore);
    expect(await balance(user)).toBe(600);
    expect((await user.client.subscriptions.mine()).items[0]).toMatchObject({
      status: "ACTIVE",
      pointsGranted: 1000,
    });
  });

  it("has no webhook with the sandbox gateway", async () => {
    const answer = await raw(
      server,
      "POST",
      "/api/v1/payments/webhook",
      json({ type: "payment_intent.succeeded" }),
    );
    expect(answer).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });
  });

  it("refuses a refund once the window closed", async () => {
    const user = await signedInUser(server);
    const first = await user.client.subscriptions.subscribe({
      planId: "monthly",
      paymentToken: "sandbox-ok",
    });
    await server.container.database.db
      .updateTable("subscription_charges")
      .set({ settled_at: Date.now() - 15 * DAY })
      .where("subscription_id", "=", first.id)
      .execute();
    await expect(user.client.subscriptions.refund(first.id)).rejects.toMatchObject({
      status: 409,
      code: "REFUND_WINDOW_CLOSED",
    });
    expect(await balance(user)).toBe(1000);
  });
});
