import Stripe from "stripe";
import type {
  ChargeRequest,
  PaymentEvent,
  PaymentGateway,
  PaymentOutcome,
  RefundRequest,
} from "../../ports.ts";

export interface StripeSettings {
  secretKey: string;
  webhookSecret?: string;
  /** The HTTP client the SDK sends through (tests inject `Stripe.createFetchHttpClient(fakeFetch)`). */
  httpClient?: ReturnType<typeof Stripe.createFetchHttpClient>;
}

/**
 * Stripe through its SDK: a charge is a confirmed PaymentIntent, a refund a Refund, each created with our
 * idempotency key, so a repeat (the reconciler asking again) answers the first outcome and never charges twice.
 */
export class StripeGateway implements PaymentGateway {
  readonly name = "stripe";
  readonly #stripe: Stripe;
  readonly #webhookSecret: string | undefined;

  constructor(settings: StripeSettings) {
    this.#stripe = new Stripe(settings.secretKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      ...(settings.httpClient && { httpClient: settings.httpClient }),
    });
    this.#webhookSecret = settings.webhookSecret;
  }

  async charge(request: ChargeRequest): Promise<PaymentOutcome> {
    try {
      const intent = await this.#stripe.paymentIntents.create(
        {
          amount: request.amount,
          currency: request.currency,
          payment_method: request.paymentToken,
          confirm: true,
          off_session: true,
          description: request.description,
          metadata: { idempotency_key: request.idempotencyKey },
          automatic_payment_methods: { enabled: true, allow_redirects: "never" },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      if (intent.status === "succeeded") return { status: "succeeded", chargeId: intent.id };
      if (intent.status === "canceled" || intent.status === "requires_payment_method") {
        return { status: "declined", reason: intent.last_payment_error?.message ?? intent.status };
      }
      return { status: "unknown", reason: `payment intent ${intent.id} is ${intent.status}` };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  async refund(request: RefundRequest): Promise<PaymentOutcome> {
    try {
      const refund = await this.#stripe.refunds.create(
        { payment_intent: request.chargeId },
        { idempotencyKey: request.idempotencyKey },
      );
      if (refund.status === "succeeded") return { status: "succeeded", chargeId: refund.id };
      if (refund.status === "failed" || refund.status === "canceled") {
        return { status: "declined", reason: refund.failure_reason ?? refund.status };
      }
      return { status: "unknown", reason: `refund ${refund.id} is ${refund.status}` };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  /** A webhook event, its signature checked by Stripe's own verifier; throws when it does not hold. */
  verifyWebhook(payload: string | Buffer, signature: string): Stripe.Event {
    if (!this.#webhookSecret) throw new Error("STRIPE_WEBHOOK_SECRET is not set");
    return this.#stripe.webhooks.constructEvent(payload, signature, this.#webhookSecret);
  }

  /** A PaymentIntent that succeeded or failed, named by the idempotency key its metadata carries. */
  webhook(payload: Buffer, signature: string): PaymentEvent | undefined {
    const event = this.verifyWebhook(payload, signature);
    if (event.type !== "payment_intent.succeeded" && event.type !== "payment_intent.payment_failed")
      return undefined;
    const intent = event.data.object;
    const idempotencyKey = intent.metadata?.idempotency_key;
    if (!idempotencyKey) return undefined;
    return {
      idempotencyKey,
      outcome:
        event.type === "payment_intent.succeeded"
          ? { status: "succeeded", chargeId: intent.id }
          : { status: "declined", reason: intent.last_payment_error?.message ?? "payment failed" },
    };
  }
}

/** A card error is an answer (declined); anything else leaves the outcome unknown for the reconciler. */
function outcomeOf(error: unknown): PaymentOutcome {
  if (error instanceof Stripe.errors.StripeCardError) {
    return { status: "declined", reason: error.message };
  }
  return { status: "unknown", reason: String(error) };
}
