import { z } from "zod";
import { CursorQuery, cursorPageOf, IdParams, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";

export const LedgerEntry = z.object({
  id: z.int(),
  userId: z.int(),
  delta: z.int(),
  reason: z.string(),
  reference: z.string().nullable(),
  balanceAfter: z.int(),
  createdAt: Timestamp,
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const Points = cursorPageOf(LedgerEntry).extend({ balance: z.int() });
export type Points = z.infer<typeof Points>;

export const PointsQuery = CursorQuery;
export type PointsQuery = z.input<typeof PointsQuery>;

export const GrantPointsBody = z.object({
  delta: z
    .number()
    .int()
    .min(-1_000_000_000)
    .max(1_000_000_000)
    .refine((delta) => delta !== 0, { message: "must not be 0" }),
  reason: z.string().trim().min(1).max(200),
});
export type GrantPointsBody = z.input<typeof GrantPointsBody>;

export const IdempotencyHeaders = z.object({
  "idempotency-key": z.string().min(1).max(100).optional(),
});

export const points = {
  get: endpoint({
    method: "GET",
    path: "/users/:id/points",
    summary: "A user's balance and ledger, newest first",
    access: "none",
    params: IdParams,
    query: PointsQuery,
    response: Points,
  }),
};

export const adminPoints = {
  grant: endpoint({
    method: "POST",
    path: "/admin/users/:id/points",
    summary:
      "Grant (delta > 0) or deduct (delta < 0) points; 409 INSUFFICIENT_POINTS below zero. " +
      "An Idempotency-Key applies once: within 24 h a repeat answers the first response again; later, 200 with " +
      "the first entry",
    access: "admin",
    status: 201,
    params: IdParams,
    headers: IdempotencyHeaders,
    body: GrantPointsBody,
    response: LedgerEntry,
    location: "/users/:userId/points",
    errors: { 409: ["INSUFFICIENT_POINTS"] },
  }),
};
