import type { Plan, Subscription } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { SubscriptionChargesTable, SubscriptionsTable } from "../../db/schema.ts";
import { iso } from "../../shared/time.ts";

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type ChargeRow = Selectable<SubscriptionChargesTable>;

export function presentSubscription(row: SubscriptionRow, plan: Plan): Subscription {
  return {
    id: row.id,
    plan,
    status: row.status,
    currentPeriodEnd: row.current_period_end === null ? null : iso(Number(row.current_period_end)),
    pointsGranted: Number(row.points_granted),
  };
}
