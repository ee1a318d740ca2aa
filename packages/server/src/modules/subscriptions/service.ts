import type { Plan, SubscribeBody, Subscription } from "@codechef/contract";
import type { z } from "zod";
import { isUniqueViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import type { Job } from "../../jobs.ts";
import type { Logger } from "../../logger.ts";
import type { PaymentEvent, PaymentGateway, PaymentOutcome } from "../../ports.ts";
import { AppError, BadRequestError, ConflictError, NotFoundError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import type { PointsService } from "../points/service.ts";
import { type ChargeRow, presentSubscription, type SubscriptionRow } from "./presenter.ts";
import type { SubscriptionRepository } from "./repository.ts";

const DAY_MS = 86_400_000;
/** How long a charge sent to the gateway is left to its sender before the reconciler asks again. */
const CHARGE_LEASE_MS = 60_000;
const BATCH = 50;
/** Gateways remember an idempotency key for a day (Stripe: 24 hours); past that, asking again could charge anew. */
const KEY_MEMORY_MS = 23 * 3_600_000;

export interface SubscriptionSettings {
  plans: Plan[];
  refundWindowMs: number;
  renewalRetries: number;
  renewalRetryDelayMs: number;
}

/**
 * Paid subscriptions. Money moves only through charges whose gateway key is derived from the subscription,
 * period and attempt (`sub:{id}:{period}:{attempt}`), so a charge is sent as often as needed and made once;
 * points move only through the ledger under `sub:{id}:{period}` and `refund:{id}`, so each applies once.
 */
export class SubscriptionService {
  readonly #database: SqlDatabase;
  readonly #subscriptions: SubscriptionRepository;
  readonly #points: PointsService;
  readonly #gateway: PaymentGateway;
  readonly #settings: SubscriptionSettings;
  readonly #logger: Logger;

  constructor(deps: {
    database: SqlDatabase;
    subscriptions: SubscriptionRepository;
    points: PointsService;
    gateway: PaymentGateway;
    settings: SubscriptionSettings;
    logger: Logger;
  }) {
    this.#database = deps.database;
    this.#subscriptions = deps.subscriptions;
    this.#points = deps.points;
    this.#gateway = deps.gateway;
    this.#settings = deps.settings;
    this.#logger = deps.logger;
  }

  plans(): { items: Plan[] } {
    return { items: this.#settings.plans };
  }

  async mine(user: UserRow): Promise<{ items: Subscription[] }> {
    return { items: (await this.#subscriptions.ofUser(user.id)).map((row) => this.#present(row)) };
  }

  /** Subscribes and charges the first period; `replayed` when the key had already subscribed. */
  async subscribe(
    user: UserRow,
    body: z.output<typeof SubscribeBody>,
    idempotencyKey: string | undefined,
  ): Promise<{ subscription: Subscription; replayed: boolean }> {
    const plan = this.#settings.plans.find((p) => p.id === body.planId);
    if (!plan) throw new BadRequestError(`there is no plan ${body.planId}`, "UNKNOWN_PLAN");
    if (idempotencyKey) {
      const first = await this.#subscriptions.byKey(user.id, idempotencyKey);
      if (first) return this.#replay(first, body);
    }
    const now = Date.now();
    let charge: ChargeRow;
    try {
      charge = await this.#database.transaction(async (tx) => {
        const id = await this.#subscriptions.insert(tx, {
          user_id: user.id,
          live_user_id: user.id,
          plan_id: plan.id,
          status: "PENDING",
          payment_token: body.paymentToken,
          idempotency_key: idempotencyKey ?? null,
          current_period_end: null,
          renew_at: null,
          canceled_at: null,
          created_at: now,
          updated_at: now,
        });
        return this.#newCharge(tx, id, plan, 1, 1, now);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const first = idempotencyKey ? await this.#subscriptions.byKey(user.id, idempotencyKey) : undefined;
      if (first) return this.#replay(first, body);
      throw new ConflictError("you already have a live subscription", "ALREADY_SUBSCRIBED");
    }
    const outcome = await this.#send(charge, body.paymentToken);
    if (outcome.status === "declined") throw declined(outcome.reason);
    return { subscription: await this.#load(charge.subscription_id), replayed: false };
  }

  async cancel(user: UserRow, id: number): Promise<Subscription> {
    const row = await this.#own(user, id);
    const now = Date.now();
    if (row.status === "PENDING")
      throw new ConflictError("the payment is still being settled; try again shortly");
    if (row.status === "ACTIVE") {
      await this.#subscriptions.update(this.#database.db, id, {
        status: "CANCELED",
        canceled_at: now,
        renew_at: null,
        updated_at: now,
      });
    } else if (row.status === "PAST_DUE") {
      await this.#subscriptions.update(this.#database.db, id, {
        status: "EXPIRED",
        live_user_id: null,
        canceled_at: now,
        renew_at: null,
        updated_at: now,
      });
    }
    return this.#load(id);
  }

  /**
   * Takes back the latest period's points and refunds its charge. The points move first, in the transaction
   * that marks the charge refunding: a balance that no longer holds them refuses the refund before any money
   * moves. The gateway is asked after commit, and again by the reconciler until it confirms.
   */
  async refund(user: UserRow, id: number): Promise<Subscription> {
    const row = await this.#own(user, id);
    if (row.status === "REFUNDED") return this.#present(row);
    if (await this.#subscriptions.hasPendingCharge(id)) {
      throw new ConflictError("a payment on this subscription is being settled; try again shortly");
    }
    const charge = await this.#subscriptions.lastSucceeded(id);
    if (!charge) {
      // A concurrent refund may have just taken it: its answer is this one's.
      const current = await this.#own(user, id);
      if (current.status === "REFUNDED") return this.#present(current);
      throw new ConflictError("nothing was paid on this subscription", "NOT_REFUNDABLE");
    }
    const now = Date.now();
    if (now - Number(charge.settled_at) > this.#settings.refundWindowMs) {
      throw new ConflictError("the refund window for this payment has closed", "REFUND_WINDOW_CLOSED");
    }
    const moved = await this.#database.transaction(async (tx) => {
      if (
        !(await this.#subscriptions.moveCharge(tx, charge.id, "SUCCEEDED", {
          status: "REFUNDING",
          next_try_at: now + CHARGE_LEASE_MS,
        }))
      ) {
        return false;
      }
      await this.#points.apply(tx, {
        userId: row.user_id,
        delta: -charge.points,
        reason: `refund of subscription ${row.plan_id}`,
        reference: `subscription:${id}`,
        idempotencyKey: `refund:${id}`,
      });
      await this.#subscriptions.update(tx, id, {
        status: "REFUNDED",
        live_user_id: null,
        renew_at: null,
        current_period_end: now,
        points_granted: Number(row.points_granted) - charge.points,
        updated_at: now,
      });
      return true;
    });
    if (moved) await this.#refundAtGateway(charge);
    return this.#load(id);
  }

  /** Settles the charge a gateway's webhook names; a repeat or an unknown key changes nothing. */
  async settleFromWebhook(body: AsyncIterable<Buffer>, signature: string): Promise<void> {
    if (!this.#gateway.webhook) throw new NotFoundError("webhook");
    const payload = await readPayload(body);
    let event: PaymentEvent | undefined;
    try {
      event = this.#gateway.webhook(payload, signature);
    } catch {
      throw new BadRequestError("the webhook's signature does not hold", "INVALID_SIGNATURE");
    }
    if (!event) return;
    const charge = await this.#subscriptions.chargeByKey(event.idempotencyKey);
    if (charge?.status !== "PENDING") return;
    if (event.outcome.status === "succeeded") await this.#succeed(charge, event.outcome.chargeId, Date.now());
    else if (event.outcome.status === "declined") await this.#decline(charge, Date.now());
  }

  /** Settles pending charges and refunds nobody is working on: asks the gateway again under the same key. */
  readonly reconciler: Job = {
    name: "payment-reconcile",
    run: async (now) => {
      for (const charge of await this.#subscriptions.dueCharges(now, BATCH)) {
        const stale = charge.status === "PENDING" && now - Number(charge.created_at) > KEY_MEMORY_MS;
        if (!(await this.#subscriptions.leaseCharge(charge, now + (stale ? DAY_MS : CHARGE_LEASE_MS))))
          continue;
        if (stale) {
          this.#logger.error(
            "charge outcome still unknown after the gateway forgot its key; settle it by hand",
            {
              charge: charge.id,
              gatewayKey: charge.gateway_key,
            },
          );
          continue;
        }
        if (charge.status === "REFUNDING") {
          await this.#refundAtGateway(charge);
          continue;
        }
        const subscription = await this.#subscriptions.get(charge.subscription_id);
        if (subscription) await this.#send(charge, subscription.payment_token, now);
      }
    },
  };

  /** Charges each subscription whose period ended (or whose declined renewal is due again), once. */
  readonly renewer: Job = {
    name: "subscription-renew",
    run: async (now) => {
      await this.#subscriptions.expireCanceled(now);
      for (const row of await this.#subscriptions.dueRenewals(now, BATCH)) {
        const plan = this.#settings.plans.find((p) => p.id === row.plan_id);
        if (!plan) {
          // A plan taken out of the configuration is not renewed: its subscriptions end with their period.
          await this.#subscriptions.update(this.#database.db, row.id, {
            status: "EXPIRED",
            live_user_id: null,
            renew_at: null,
            updated_at: now,
          });
          continue;
        }
        const charge = await this.#database.transaction(async (tx) => {
          if (!(await this.#subscriptions.claimRenewal(tx, row))) return undefined;
          return this.#newCharge(tx, row.id, plan, row.period + 1, row.failed_renewals + 1, now);
        });
        if (charge) await this.#send(charge, row.payment_token, now);
      }
    },
  };

  #newCharge(tx: Tx, subscriptionId: number, plan: Plan, period: number, attempt: number, now: number) {
    return this.#subscriptions.insertCharge(tx, {
      subscription_id: subscriptionId,
      period,
      attempt,
      gateway_key: `sub:${subscriptionId}:${period}:${attempt}`,
      amount: plan.price,
      currency: plan.currency,
      points: plan.pointsPerPeriod,
      status: "PENDING",
      gateway_charge_id: null,
      next_try_at: now + CHARGE_LEASE_MS,
      created_at: now,
      settled_at: null,
    });
  }

  /** Sends a charge and settles what the gateway answered; an unknown outcome stays pending for the reconciler. */
  async #send(charge: ChargeRow, paymentToken: string, now = Date.now()): Promise<PaymentOutcome> {
    const outcome = await this.#gateway
      .charge({
        idempotencyKey: charge.gateway_key,
        amount: charge.amount,
        currency: charge.currency,
        paymentToken,
        description: `CodeChef subscription ${charge.subscription_id}, period ${charge.period}`,
      })
      .catch((error: unknown): PaymentOutcome => ({ status: "unknown", reason: String(error) }));
    if (outcome.status === "succeeded") await this.#succeed(charge, outcome.chargeId, now);
    else if (outcome.status === "declined") await this.#decline(charge, now);
    else
      this.#logger.warn("payment outcome unknown; the reconciler asks again", {
        charge: charge.id,
        reason: outcome.reason,
      });
    return outcome;
  }

  async #succeed(charge: ChargeRow, chargeId: string, now: number): Promise<void> {
    await this.#database.transaction(async (tx) => {
      const settled = { status: "SUCCEEDED" as const, gateway_charge_id: chargeId, settled_at: now };
      if (!(await this.#subscriptions.moveCharge(tx, charge.id, "PENDING", settled))) return;
      const row = await this.#subscriptions.get(charge.subscription_id, tx);
      if (!row) return;
      await this.#points.apply(tx, {
        userId: row.user_id,
        delta: charge.points,
        reason: `subscription ${row.plan_id}, period ${charge.period}`,
        reference: `subscription:${row.id}`,
        idempotencyKey: `sub:${row.id}:${charge.period}`,
      });
      const periodEnd = Number(row.current_period_end ?? now) + this.#plan(row.plan_id).periodDays * DAY_MS;
      const canceled = row.canceled_at !== null;
      await this.#subscriptions.update(tx, row.id, {
        status: canceled ? "CANCELED" : "ACTIVE",
        period: charge.period,
        current_period_end: periodEnd,
        points_granted: Number(row.points_granted) + charge.points,
        failed_renewals: 0,
        renew_at: canceled ? null : periodEnd,
        updated_at: now,
      });
    });
  }

  async #decline(charge: ChargeRow, now: number): Promise<void> {
    await this.#database.transaction(async (tx) => {
      if (
        !(await this.#subscriptions.moveCharge(tx, charge.id, "PENDING", {
          status: "FAILED",
          settled_at: now,
        }))
      ) {
        return;
      }
      const row = await this.#subscriptions.get(charge.subscription_id, tx);
      if (!row) return;
      const failed = row.failed_renewals + 1;
      const over = charge.period === 1 || failed > this.#settings.renewalRetries;
      await this.#subscriptions.update(tx, row.id, {
        status: over ? "EXPIRED" : "PAST_DUE",
        live_user_id: over ? null : row.user_id,
        failed_renewals: failed,
        renew_at: over ? null : now + this.#settings.renewalRetryDelayMs,
        updated_at: now,
      });
    });
  }

  async #refundAtGateway(charge: ChargeRow): Promise<void> {
    const outcome = await this.#gateway
      .refund({ idempotencyKey: `refund:${charge.gateway_key}`, chargeId: charge.gateway_charge_id ?? "" })
      .catch((error: unknown): PaymentOutcome => ({ status: "unknown", reason: String(error) }));
    if (outcome.status === "succeeded") {
      await this.#subscriptions.moveCharge(this.#database.db, charge.id, "REFUNDING", { status: "REFUNDED" });
    } else {
      this.#logger.warn("refund not confirmed; the reconciler asks again", { charge: charge.id, outcome });
    }
  }

  async #replay(first: SubscriptionRow, body: z.output<typeof SubscribeBody>) {
    if (first.plan_id !== body.planId || first.payment_token !== body.paymentToken) {
      throw new ConflictError(
        "this idempotency key was used for another subscription",
        "IDEMPOTENCY_KEY_REUSED",
      );
    }
    const charge = await this.#subscriptions.firstCharge(first.id);
    if (charge?.status === "FAILED") throw declined("the payment was declined");
    return { subscription: this.#present(first), replayed: true };
  }

  async #own(user: UserRow, id: number): Promise<SubscriptionRow> {
    const row = await this.#subscriptions.get(id);
    if (!row || row.user_id !== user.id) throw new NotFoundError("subscription");
    return row;
  }

  async #load(id: number): Promise<Subscription> {
    const row = await this.#subscriptions.get(id);
    if (!row) throw new NotFoundError("subscription");
    return this.#present(row);
  }

  /** The plan as configured, or a stand-in naming a plan since taken out of the configuration. */
  #plan(id: string): Plan {
    return (
      this.#settings.plans.find((p) => p.id === id) ?? {
        id,
        name: id,
        price: 0,
        currency: "usd",
        periodDays: 30,
        pointsPerPeriod: 0,
      }
    );
  }

  #present(row: SubscriptionRow): Subscription {
    return presentSubscription(row, this.#plan(row.plan_id));
  }
}

const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** The body byte for byte: a signature is checked over exactly what was sent. */
async function readPayload(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_WEBHOOK_BYTES) {
      throw new AppError(413, "PAYLOAD_TOO_LARGE", `webhooks are limited to ${MAX_WEBHOOK_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const declined = (reason: string) =>
  new AppError(402, "PAYMENT_DECLINED", `the payment was declined: ${reason}`);
