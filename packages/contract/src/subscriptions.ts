import { z } from "zod";
import { IdParams, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { IdempotencyHeaders } from "./points.ts";

export const Plan = z.object({
  id: z.string(),
  name: z.string(),
  /** In the currency's smallest unit (cents). */
  price: z.number(),
  currency: z.string(),
  periodDays: z.number(),
  pointsPerPeriod: z.number(),
});
export type Plan = z.infer<typeof Plan>;

export const SubscriptionStatus = z.enum([
  "PENDING",
  "ACTIVE",
  "CANCELED",
  "PAST_DUE",
  "EXPIRED",
  "REFUNDED",
]);
export type SubscriptionStatus = z.infer<typeof SubscriptionStatus>;

export const Subscription = z.object({
  id: z.number(),
  plan: Plan,
  status: SubscriptionStatus,
  currentPeriodEnd: Timestamp.nullable(),
  /** Points this subscription granted and still holds (refunds take theirs back). */
  pointsGranted: z.number(),
});
export type Subscription = z.infer<typeof Subscription>;

export const SubscribeBody = z.object({
  planId: z.string().min(1).max(64),
  /** From the payment gateway's client side; the sandbox gateway takes `sandbox-ok`, `sandbox-decline`, … */
  paymentToken: z.string().min(1).max(255),
});
export type SubscribeBody = z.input<typeof SubscribeBody>;

export const subscriptions = {
  plans: endpoint({
    method: "GET",
    path: "/subscriptions/plans",
    summary: "The plans on offer",
    access: "none",
    response: z.object({ items: z.array(Plan) }),
  }),
  subscribe: endpoint({
    method: "POST",
    path: "/subscriptions",
    location: "/subscriptions/me",
    errors: { 400: ["UNKNOWN_PLAN"], 402: ["PAYMENT_DECLINED"], 409: ["ALREADY_SUBSCRIBED", "CONFLICT"] },
    summary:
      "Subscribe and pay the first period: 201 ACTIVE, or PENDING while the payment's outcome is unknown; " +
      "402 PAYMENT_DECLINED; 409 ALREADY_SUBSCRIBED. A repeated Idempotency-Key answers 200 with the first",
    access: "user",
    status: 201,
    headers: IdempotencyHeaders,
    body: SubscribeBody,
    response: Subscription,
  }),
  me: endpoint({
    method: "GET",
    path: "/subscriptions/me",
    summary: "Your subscriptions, newest first",
    access: "user",
    response: z.object({ items: z.array(Subscription) }),
  }),
  cancel: endpoint({
    method: "POST",
    path: "/subscriptions/:id/cancel",
    errors: { 409: ["CONFLICT"] },
    summary: "Stop renewal; access lasts to the end of the paid period",
    access: "user",
    params: IdParams,
    headers: IdempotencyHeaders,
    response: Subscription,
  }),
  refund: endpoint({
    method: "POST",
    path: "/subscriptions/:id/refund",
    errors: { 409: ["CONFLICT", "NOT_REFUNDABLE", "REFUND_WINDOW_CLOSED", "INSUFFICIENT_POINTS"] },
    summary:
      "Refund the latest payment within the refund window and take back its points; " +
      "409 INSUFFICIENT_POINTS (nothing refunded) or REFUND_WINDOW_CLOSED",
    access: "user",
    params: IdParams,
    headers: IdempotencyHeaders,
    response: Subscription,
  }),
};

export const paymentWebhooks = {
  receive: endpoint({
    method: "POST",
    path: "/payments/webhook",
    errors: { 400: ["INVALID_SIGNATURE"], 404: ["NOT_FOUND"], 413: ["PAYLOAD_TOO_LARGE"] },
    summary:
      "The payment gateway's notifications (Stripe: signed with STRIPE_WEBHOOK_SECRET); settles a pending charge. " +
      "400 INVALID_SIGNATURE; 404 with a gateway that sends none",
    access: "none",
    status: 204,
    headers: z.object({ "stripe-signature": z.string().max(2000).optional() }),
  }),
};
