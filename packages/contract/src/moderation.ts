import { z } from "zod";
import { IdParams, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { User } from "./users.ts";

export const WarnBody = z.object({ reason: z.string().trim().min(1).max(500) });
export type WarnBody = z.input<typeof WarnBody>;

export const Warning = z.object({
  id: z.int(),
  userId: z.int(),
  issuedBy: z.int(),
  reason: z.string(),
  /** The user's warnings so far, this one included. */
  warningCount: z.int(),
  /** The user after this warning: BLOCKED once the count reaches the threshold. */
  user: User,
  createdAt: Timestamp,
});
export type Warning = z.infer<typeof Warning>;

export const moderation = {
  warn: endpoint({
    method: "POST",
    path: "/admin/users/:id/warnings",
    summary: "Warn a user; at the configured threshold (3) the account is blocked and signed out everywhere",
    access: "admin",
    status: 201,
    params: IdParams,
    body: WarnBody,
    response: Warning,
    location: "/admin/users/:userId/warnings/:id",
    errors: { 403: ["FORBIDDEN"] },
  }),
  unblock: endpoint({
    method: "POST",
    path: "/admin/users/:id/unblock",
    summary: "Unblock a user and reset their warnings",
    access: "admin",
    params: IdParams,
    response: User,
  }),
};
