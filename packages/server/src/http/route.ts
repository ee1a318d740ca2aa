import type { IncomingMessage } from "node:http";
import type { Endpoint, ErrorDetail, Input, Output } from "@codechef/contract";
import type { z } from "zod";
import { ValidationError } from "../shared/errors.ts";
import type { UserRow } from "../shared/user-row.ts";

export interface RequestContext<User = UserRow | null> {
  /** The signed-in user, loaded fresh for this request (its status is current). */
  user: User;
  requestId: string;
  ip: string;
  /** The raw request, for an endpoint that reads its own body (a multipart upload has no `body` schema). */
  request: IncomingMessage;
  /** Set by a handler whose success status varies (a replayed idempotent call answers 200, not 201). */
  status?: number;
}

type ContextOf<E extends Endpoint> = RequestContext<
  E["access"] extends "user" | "admin" ? UserRow : UserRow | null
>;

export type Handler<E extends Endpoint> = (input: Input<E>, ctx: ContextOf<E>) => Promise<Output<E>>;

export interface Route {
  endpoint: Endpoint;
  handle(input: Input<Endpoint>, ctx: RequestContext): Promise<unknown>;
}

export function route<E extends Endpoint>(endpoint: E, handle: Handler<E>): Route {
  return { endpoint, handle: handle as Route["handle"] };
}

export interface RawInput {
  params: unknown;
  query: unknown;
  body: unknown;
  headers: unknown;
}

/** Validates every part of a request against its endpoint, naming each bad field as `part.field`. */
export function validate(endpoint: Endpoint, raw: RawInput): Input<Endpoint> {
  const details: ErrorDetail[] = [];
  const parse = (part: keyof RawInput, schema: z.ZodType | undefined) => {
    if (!schema) return undefined;
    const result = schema.safeParse(raw[part]);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      details.push({ path: [part, ...issue.path.map(String)].join("."), message: issue.message });
    }
    return undefined;
  };
  const input = {
    params: parse("params", endpoint.params),
    query: parse("query", endpoint.query),
    body: parse("body", endpoint.body),
    headers: parse("headers", endpoint.headers),
  };
  if (details.length > 0) throw new ValidationError(details);
  return input as Input<Endpoint>;
}
