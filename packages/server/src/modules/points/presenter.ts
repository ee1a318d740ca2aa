import type { LedgerEntry } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { PointLedgerTable } from "../../db/schema.ts";
import { iso } from "../../shared/time.ts";

export type LedgerRow = Selectable<PointLedgerTable>;

export function presentLedgerEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    userId: row.user_id,
    delta: Number(row.delta),
    reason: row.reason,
    reference: row.reference,
    balanceAfter: Number(row.balance_after),
    createdAt: iso(row.created_at),
  };
}
