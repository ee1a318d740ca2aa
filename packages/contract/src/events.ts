import { z } from "zod";
import { IdParams, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { IdempotencyHeaders, LedgerEntry } from "./points.ts";

export const Event = z.object({
  id: z.number(),
  title: z.string(),
  capacity: z.number(),
  points: z.number(),
  startsAt: Timestamp,
  endsAt: Timestamp.nullable(),
  taken: z.number(),
});
export type Event = z.infer<typeof Event>;

export const CreateEventBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    capacity: z.number().int().min(1).max(1_000_000),
    points: z.number().int().min(1).max(1_000_000_000),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine(
    (body) => !body.endsAt || Date.parse(body.endsAt) > Date.parse(body.startsAt ?? new Date().toISOString()),
    {
      path: ["endsAt"],
      message: "must be after startsAt",
    },
  );
export type CreateEventBody = z.input<typeof CreateEventBody>;

export const events = {
  create: endpoint({
    method: "POST",
    path: "/events",
    location: "/events/:id",
    summary: "Create a first-come point event (startsAt defaults to now)",
    access: "admin",
    status: 201,
    body: CreateEventBody,
    response: Event,
  }),
  list: endpoint({
    method: "GET",
    path: "/events",
    summary: "Events, newest start first",
    access: "none",
    response: z.object({ items: z.array(Event) }),
  }),
  get: endpoint({
    method: "GET",
    path: "/events/:id",
    summary: "One event with its seats taken",
    access: "none",
    params: IdParams,
    response: Event,
  }),
  join: endpoint({
    method: "POST",
    path: "/events/:id/join",
    location: "/users/:userId/points",
    errors: { 409: ["ALREADY_JOINED", "EVENT_FULL", "EVENT_NOT_STARTED", "EVENT_ENDED"] },
    summary:
      "Take a seat and its points: 201 with the ledger entry; 409 ALREADY_JOINED, EVENT_FULL, " +
      "EVENT_NOT_STARTED or EVENT_ENDED",
    access: "user",
    status: 201,
    params: IdParams,
    headers: IdempotencyHeaders,
    response: LedgerEntry,
  }),
};
