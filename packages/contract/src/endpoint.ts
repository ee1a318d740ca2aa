import type { z } from "zod";

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
