import type { z } from "zod";
import type { ErrorCode } from "./errors.ts";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/** `none`: anonymous; `optional`: a token is read when sent; `user`/`admin`: required. */
export type Access = "none" | "optional" | "user" | "admin";

export interface Endpoint {
  method: Method;
  /** Koa-style path under /api/v1, e.g. `/boards/:id`. */
  path: string;
  summary: string;
  access: Access;
  /** Success status; 200 unless given. */
  status?: number;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The largest JSON body accepted (413 beyond); 1 MB unless given. */
  maxBodyBytes?: number;
  headers?: z.ZodType;
  response?: z.ZodType;
  /**
   * The created resource's URL under /api/v1, its `:field`s read from the response (a 201 answers it as
   * `Location`).
   */
  location?: string;
  /** A GET answers an ETag and honours `If-None-Match` unless this is false (a read that counts itself). */
  etag?: boolean;
  /** Error codes by status besides those every endpoint of its kind can answer (see `errorsOf`). */
  errors?: Partial<Record<number, readonly ErrorCode[]>>;
}

/** A creating call: it honours `Idempotency-Key` and answers `Location`. */
export const isCreating = (e: Endpoint): boolean => e.method === "POST" && e.status === 201;

/** Every error status an endpoint can answer, with its codes. */
export function errorsOf(e: Endpoint): Map<number, ErrorCode[]> {
  const found = new Map<number, Set<ErrorCode>>();
  const add = (status: number, ...codes: readonly ErrorCode[]) => {
    const set = found.get(status) ?? new Set<ErrorCode>();
    for (const code of codes) set.add(code);
    found.set(status, set);
  };
  if (e.params || e.query || e.headers || e.body || isCreating(e)) add(400, "INVALID_INPUT");
  if (e.body) {
    add(400, "MALFORMED_JSON");
    add(413, "PAYLOAD_TOO_LARGE");
    add(415, "UNSUPPORTED_MEDIA_TYPE");
  }
  if (e.access !== "none") {
    add(401, "UNAUTHENTICATED", "TOKEN_EXPIRED");
    add(403, "ACCOUNT_BLOCKED");
  }
  if (e.access === "admin") add(403, "FORBIDDEN");
  if (e.params) add(404, "NOT_FOUND");
  if (isCreating(e)) {
    add(409, "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_USE");
    add(429, "RATE_LIMITED");
  }
  for (const [status, codes] of Object.entries(e.errors ?? {})) add(Number(status), ...(codes ?? []));
  add(500, "INTERNAL");
  add(503, "SERVICE_UNAVAILABLE");
  return new Map([...found].sort(([a], [b]) => a - b).map(([status, codes]) => [status, [...codes]]));
}

type Field<E extends Endpoint, K extends "params" | "query" | "body" | "headers"> = E[K] extends z.ZodType
  ? z.output<E[K]>
  : undefined;
type Sent<E extends Endpoint, K extends "params" | "query" | "body" | "headers"> = E[K] extends z.ZodType
  ? z.input<E[K]>
  : undefined;

/** What a handler receives after validation. */
export interface Input<E extends Endpoint> {
  params: Field<E, "params">;
  query: Field<E, "query">;
  body: Field<E, "body">;
  headers: Field<E, "headers">;
}

/** What a client sends before validation (defaults and coercions not yet applied). */
export interface Request<E extends Endpoint> {
  params?: Sent<E, "params">;
  query?: Sent<E, "query">;
  body?: Sent<E, "body">;
  headers?: Sent<E, "headers">;
}

export type Output<E extends Endpoint> = E["response"] extends z.ZodType
  ? z.output<E["response"]>
  : undefined;

export function endpoint<const E extends Endpoint>(definition: E): E {
  return definition;
}
