import type { Insertable, Updateable } from "kysely";
import type { Db, Tx } from "../../db/database.ts";
import type { SubscriptionChargesTable, SubscriptionsTable } from "../../db/schema.ts";
import type { ChargeRow, SubscriptionRow } from "./presenter.ts";

type Reader = Db | Tx;

export class SubscriptionRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get(id: number, db: Reader = this.#db): Promise<SubscriptionRow | undefined> {
    return db.selectFrom("subscriptions").selectAll().where("id", "=", id).executeTakeFirst();
  }

  byKey(userId: number, key: string): Promise<SubscriptionRow | undefined> {
    return this.#db
      .selectFrom("subscriptions")
      .selectAll()
      .where("user_id", "=", userId)
      .where("idempotency_key", "=", key)
      .executeTakeFirst();
  }

  ofUser(userId: number): Promise<SubscriptionRow[]> {
    return this.#db
      .selectFrom("subscriptions")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("id", "desc")
      .execute();
  }

  async insert(tx: Tx, row: Insertable<SubscriptionsTable>): Promise<number> {
    const { insertId } = await tx.insertInto("subscriptions").values(row).executeTakeFirstOrThrow();
    return Number(insertId);
  }

  async update(db: Reader, id: number, changes: Updateable<SubscriptionsTable>): Promise<void> {
    await db.updateTable("subscriptions").set(changes).where("id", "=", id).execute();
  }

  async insertCharge(tx: Tx, row: Insertable<SubscriptionChargesTable>): Promise<ChargeRow> {
    const { insertId } = await tx.insertInto("subscription_charges").values(row).executeTakeFirstOrThrow();
    return tx
      .selectFrom("subscription_charges")
      .selectAll()
      .where("id", "=", Number(insertId))
      .executeTakeFirstOrThrow();
  }

  chargeByKey(gatewayKey: string): Promise<ChargeRow | undefined> {
    return this.#db
      .selectFrom("subscription_charges")
      .selectAll()
      .where("gateway_key", "=", gatewayKey)
      .executeTakeFirst();
  }

  firstCharge(subscriptionId: number): Promise<ChargeRow | undefined> {
    return this.#db
      .selectFrom("subscription_charges")
      .selectAll()
      .where("subscription_id", "=", subscriptionId)
      .orderBy("id")
      .limit(1)
      .executeTakeFirst();
  }

  lastSucceeded(subscriptionId: number, db: Reader = this.#db): Promise<ChargeRow | undefined> {
    return db
      .selectFrom("subscription_charges")
      .selectAll()
      .where("subscription_id", "=", subscriptionId)
      .where("status", "=", "SUCCEEDED")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
  }

  async hasPendingCharge(subscriptionId: number): Promise<boolean> {
    const row = await this.#db
      .selectFrom("subscription_charges")
      .select("id")
      .where("subscription_id", "=", subscriptionId)
      .where("status", "=", "PENDING")
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Moves a charge from one status to another; true for exactly one caller. */
  async moveCharge(
    db: Reader,
    id: number,
    from: ChargeRow["status"],
    changes: Updateable<SubscriptionChargesTable>,
  ): Promise<boolean> {
    const result = await db
      .updateTable("subscription_charges")
      .set(changes)
      .where("id", "=", id)
      .where("status", "=", from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Pending charges and refunds whose lease ran out. */
  dueCharges(now: number, limit: number): Promise<ChargeRow[]> {
    return this.#db
      .selectFrom("subscription_charges")
      .selectAll()
      .where("status", "in", ["PENDING", "REFUNDING"])
      .where("next_try_at", "<=", now)
      .orderBy("next_try_at")
      .limit(limit)
      .execute();
  }

  /** Takes a due charge for `leaseMs`; true for exactly one instance. */
  async leaseCharge(charge: ChargeRow, until: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("subscription_charges")
      .set({ next_try_at: until })
      .where("id", "=", charge.id)
      .where("status", "=", charge.status)
      .where("next_try_at", "=", charge.next_try_at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  dueRenewals(now: number, limit: number): Promise<SubscriptionRow[]> {
    return this.#db
      .selectFrom("subscriptions")
      .selectAll()
      .where("renew_at", "<=", now)
      .where("status", "in", ["ACTIVE", "PAST_DUE"])
      .orderBy("renew_at")
      .limit(limit)
      .execute();
  }

  /** Claims a renewal; true for exactly one instance. */
  async claimRenewal(tx: Tx, row: SubscriptionRow): Promise<boolean> {
    const result = await tx
      .updateTable("subscriptions")
      .set({ renew_at: null })
      .where("id", "=", row.id)
      .where("renew_at", "=", row.renew_at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Canceled subscriptions whose paid period is over. */
  async expireCanceled(now: number): Promise<void> {
    await this.#db
      .updateTable("subscriptions")
      .set({ status: "EXPIRED", live_user_id: null, updated_at: now })
      .where("status", "=", "CANCELED")
      .where("current_period_end", "<=", now)
      .execute();
  }
}
