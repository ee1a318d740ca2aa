import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StripeGateway } from "../src/adapters/payments/stripe-gateway.ts";
import { signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

/**
 * The Stripe adapter's requests, seen through Stripe's own fetch HTTP client with a fake fetch. Nothing here
 * reaches Stripe: the answers are shaped after Stripe's API reference.
 */
interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  form: URLSearchParams;
}

function fakeStripe(answers: Array<(sent: Sent) => Response | Error>) {
  const sent: Sent[] = [];
  const fakeFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = {
      method: init?.method ?? "GET",
      url: new URL(String(input)),
      headers: new Headers(init?.headers),
      form: new URLSearchParams(String(init?.body ?? "")),
    };
    sent.push(request);
    const answer = answers[Math.min(sent.length - 1, answers.length - 1)]?.(request);
    if (!answer || answer instanceof Error) throw answer ?? new Error("no answer");
    return answer;
  };
  const gateway = new StripeGateway({
    secretKey: "sk_test_fake",
    webhookSecret: "whsec_test_fake",
    httpClient: Stripe.createFetchHttpClient(fakeFetch as typeof fetch),
  });
  return { gateway, sent };
}

const reply = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "request-id": "req_1" },
  });
const intent = (status: string) => () => reply(200, { id: "pi_123", object: "payment_intent", status });
const charge = {
  idempotencyKey: "sub:7:1:1",
  amount: 990,
  currency: "usd",
  paymentToken: "pm_card_visa",
  description: "CodeChef subscription 7, period 1",
};

describe("Stripe gateway (fake fetch; never ran against Stripe)", () => {
  it("creates a confirmed PaymentIntent under the charge's idempotency key", async () => {
    const { gateway, sent } = fakeStripe([intent("succeeded")]);
    expect(await gateway.charge(charge)).toEqual({ status: "succeeded", chargeId: "pi_123" });
    const [request] = sent;
    expect(request?.method).toBe("POST");
    expect(request?.url.pathname).toBe("/v1/payment_intents");
    expect(request?.headers.get("idempotency-key")).toBe("sub:7:1:1");
    expect(request?.headers.get("authorization")).toBe("Bearer sk_test_fake");
    expect(Object.fromEntries(request?.form ?? [])).toMatchObject({
      amount: "990",
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: "true",
      off_session: "true",
      "metadata[idempotency_key]": "sub:7:1:1",
      "automatic_payment_methods[enabled]": "true",
      "automatic_payment_methods[allow_redirects]": "never",
    });
  });

  it("answers a card error as declined", async () => {
    const { gateway } = fakeStripe([
      () =>
        reply(402, {
          error: { type: "card_error", code: "card_declined", message: "Your card was declined." },
        }),
    ]);
    expect(await gateway.charge(charge)).toEqual({ status: "declined", reason: "Your card was declined." });
  });

  it("answers an intent still processing, or a connection lost, as unknown", async () => {
    expect(await fakeStripe([intent("processing")]).gateway.charge(charge)).toMatchObject({
      status: "unknown",
    });
    const lost = fakeStripe([() => new TypeError("fetch failed")]);
    expect(await lost.gateway.charge(charge)).toMatchObject({ status: "unknown" });
    // Stripe's client retried; every attempt carried the same key, so at most one charge exists.
    expect(lost.sent.length).toBeGreaterThan(1);
    expect(new Set(lost.sent.map((s) => s.headers.get("idempotency-key")))).toEqual(new Set(["sub:7:1:1"]));
  });

  it("refunds the PaymentIntent under the refund's key", async () => {
    const { gateway, sent } = fakeStripe([
      () => reply(200, { id: "re_1", object: "refund", status: "succeeded" }),
    ]);
    expect(await gateway.refund({ idempotencyKey: "refund:sub:7:1:1", chargeId: "pi_123" })).toEqual({
      status: "succeeded",
      chargeId: "re_1",
    });
    expect(sent[0]?.url.pathname).toBe("/v1/refunds");
    expect(sent[0]?.headers.get("idempotency-key")).toBe("refund:sub:7:1:1");
    expect(sent[0]?.form.get("payment_intent")).toBe("pi_123");
  });

  it("checks webhook signatures with Stripe's verifier", () => {
    const { gateway } = fakeStripe([]);
    const payload = JSON.stringify({
      id: "evt_1",
      object: "event",
      type: "payment_intent.succeeded",
      data: { object: {} },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_test_fake" });
    expect(gateway.verifyWebhook(payload, signature).id).toBe("evt_1");
    expect(() => gateway.verifyWebhook(payload.replace("evt_1", "evt_2"), signature)).toThrow(/signature/i);
    const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_other" });
    expect(() => gateway.verifyWebhook(payload, forged)).toThrow(/signature/i);
  });
});

describe("subscriptions settled by a Stripe webhook (fake fetch)", () => {
  let server: TestServer;
  const stripe = fakeStripe([intent("processing")]);
  beforeAll(async () => {
    server = await startTestServer("embedded", { JOB_INTERVAL_MS: "0" }, { payments: () => stripe.gateway });
  });
  afterAll(() => server?.stop());

  const post = (payload: string, signature: string) =>
    fetch(`${server.url}/api/v1/payments/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signature },
      body: payload,
    });

  it("activates a PENDING subscription once, from a signed payment_intent.succeeded", async () => {
    const user = await signedInUser(server);
    const pending = await user.client.subscriptions.subscribe({
      planId: "monthly",
      paymentToken: "pm_card_visa",
    });
    expect(pending.status).toBe("PENDING");
    const key = stripe.sent.at(-1)?.headers.get("idempotency-key");
    expect(key).toBe(`sub:${pending.id}:1:1`);
    const payload = JSON.stringify({
      id: "evt_1",
      object: "event",
      type: "payment_intent.succeeded",
      data: {
        object: {
          id: "pi_123",
          object: "payment_intent",
          status: "succeeded",
          metadata: { idempotency_key: key },
        },
      },
    });
    const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_other" });
    const refused = await post(payload, forged);
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe("INVALID_SIGNATURE");
    expect((await user.client.subscriptions.mine()).items[0]?.status).toBe("PENDING");

    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_test_fake" });
    expect((await post(payload, signature)).status).toBe(204);
    expect((await post(payload, signature)).status).toBe(204);
    expect((await user.client.subscriptions.mine()).items[0]).toMatchObject({
      status: "ACTIVE",
      pointsGranted: 1000,
    });
    expect((await user.client.users.points(user.user.id)).balance).toBe(1000);
  });
});
