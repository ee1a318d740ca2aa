import { randomUUID } from "node:crypto";
import type { ChargeRequest, PaymentGateway, PaymentOutcome, RefundRequest } from "../../ports.ts";

/** Payment tokens the sandbox understands; any other is declined. */
export const SANDBOX_TOKENS = {
  ok: "sandbox-ok",
  decline: "sandbox-decline",
  /** Charges, but the answer is lost: the caller learns the outcome only by asking again with the same key. */
  timeout: "sandbox-timeout",
  /** The first charge succeeds, every later one (a renewal) is declined. */
  okThenDecline: "sandbox-ok-then-decline",
} as const;

interface Recorded {
  request: ChargeRequest;
  outcome: PaymentOutcome;
}

/**
 * The SANDBOX payment gateway: an in-process stand-in that moves no money, for the embedded server and tests.
 * It keeps what a real gateway keeps, per process: one outcome per idempotency key, answered again on a repeat.
 */
export class SandboxGateway implements PaymentGateway {
  readonly name = "sandbox";
  readonly #charges = new Map<string, Recorded>();
  readonly #refunds = new Map<string, PaymentOutcome>();
  readonly #tokensCharged = new Set<string>();

  async charge(request: ChargeRequest): Promise<PaymentOutcome> {
    const first = this.#charges.get(request.idempotencyKey);
    if (first) {
      if (first.request.amount !== request.amount || first.request.paymentToken !== request.paymentToken) {
        throw new Error(`sandbox: idempotency key ${request.idempotencyKey} reused with other parameters`);
      }
      return first.outcome;
    }
    const outcome = this.#decide(request.paymentToken);
    this.#charges.set(request.idempotencyKey, { request, outcome });
    if (outcome.status === "succeeded") this.#tokensCharged.add(request.paymentToken);
    return request.paymentToken === SANDBOX_TOKENS.timeout
      ? { status: "unknown", reason: "sandbox: the gateway did not answer in time" }
      : outcome;
  }

  async refund(request: RefundRequest): Promise<PaymentOutcome> {
    const first = this.#refunds.get(request.idempotencyKey);
    if (first) return first;
    const charged = [...this.#charges.values()].some(
      (c) => c.outcome.status === "succeeded" && c.outcome.chargeId === request.chargeId,
    );
    const outcome: PaymentOutcome = charged
      ? { status: "succeeded", chargeId: `sandbox_re_${randomUUID()}` }
      : { status: "declined", reason: `sandbox: no charge ${request.chargeId}` };
    this.#refunds.set(request.idempotencyKey, outcome);
    return outcome;
  }

  /** What the sandbox did, for tests: charges that succeeded and refunds made. */
  ledger() {
    const succeeded = [...this.#charges.values()].filter((c) => c.outcome.status === "succeeded");
    const refunded = [...this.#refunds.values()].filter((r) => r.status === "succeeded");
    return { charges: succeeded.map((c) => c.request), refunds: refunded.length };
  }

  #decide(token: string): PaymentOutcome {
    const ok = (): PaymentOutcome => ({ status: "succeeded", chargeId: `sandbox_ch_${randomUUID()}` });
    switch (token) {
      case SANDBOX_TOKENS.ok:
      case SANDBOX_TOKENS.timeout:
        return ok();
      case SANDBOX_TOKENS.okThenDecline:
        return this.#tokensCharged.has(token)
          ? { status: "declined", reason: "sandbox: card declined" }
          : ok();
      case SANDBOX_TOKENS.decline:
        return { status: "declined", reason: "sandbox: card declined" };
      default:
        return { status: "declined", reason: "sandbox: unknown payment token" };
    }
  }
}
