import { randomUUID } from "node:crypto";
import {
  API_BASE_PATH,
  type Endpoint,
  type ErrorBody,
  isCreating,
  openApiDocument,
} from "@codechef/contract";
import calculateEtag from "etag";
import Koa, { type Context } from "koa";
import proxyAddr from "proxy-addr";
import type { Container } from "./container.ts";
import { readJson } from "./http/body.ts";
import { cors } from "./http/cors.ts";
import { Idempotency, type Outcome } from "./http/idempotency.ts";
import type { RequestContext, Route } from "./http/route.ts";
import { validate } from "./http/route.ts";
import { Routes } from "./http/routes.ts";
import { type Logger, logContext } from "./logger.ts";
import { embeddedSecret } from "./secrets.ts";
import { AppError, ForbiddenError, NotFoundError, UnauthenticatedError } from "./shared/errors.ts";

const VERSION = "0.1.0";

function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details && { details: error.details }),
      requestId,
    },
  };
}

function errors(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFoundError("route");
    } catch (thrown) {
      const error =
        thrown instanceof AppError
          ? thrown
          : new AppError(500, "INTERNAL", "something went wrong on our side");
      if (error.status >= 500) {
        logger.error("request failed", {
          requestId: ctx.state.requestId,
          error: thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown),
          cause: thrown instanceof Error ? String(thrown.cause ?? "") : undefined,
        });
      }
      ctx.status = error.status;
      ctx.set(error.headers ?? {});
      ctx.body = errorBody(error, ctx.state.requestId);
    }
  };
}

function bearer(ctx: Context): string | undefined {
  const header = ctx.get("authorization");
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new UnauthenticatedError("the Authorization header must be `Bearer <token>`");
  return match[1];
}

/** The created resource's URL: `Endpoint.location` filled from the answer's fields, else the request's path. */
function locationOf(endpoint: Endpoint, body: unknown, params: Record<string, string>): string | undefined {
  if (!endpoint.location || !body || typeof body !== "object") return undefined;
  const fields = body as Record<string, unknown>;
  return (
    API_BASE_PATH +
    endpoint.location.replace(/:(\w+)/g, (_, name: string) => String(fields[name] ?? params[name]))
  );
}

/**
 * GETs answer a weak ETag of their body and 304 for a matching If-None-Match (see `Endpoint.etag`). The match
 * ignores the request's `Cache-Control: no-cache`, which fetch() adds to every conditional request (RFC 9110
 * evaluates If-None-Match at the origin regardless; koa-conditional-get would never answer 304 to fetch).
 */
function caching(endpoint: Endpoint): Koa.Middleware[] {
  if (endpoint.method !== "GET" || endpoint.etag === false) return [];
  const cacheControl = endpoint.access === "none" ? "no-cache" : "private, no-cache";
  const weak = (tag: string) => tag.trim().replace(/^W\//, "");
  // The last body's tag: a shared answer (see `mount`) is the same text again, compared by reference first.
  let last = { body: "", tag: "" };
  const revalidate: Koa.Middleware = async (ctx, next) => {
    await next();
    ctx.set("Cache-Control", cacheControl);
    if (ctx.status !== 200 || typeof ctx.body !== "string") return;
    if (ctx.body !== last.body) last = { body: ctx.body, tag: calculateEtag(ctx.body, { weak: true }) };
    const current = last.tag;
    ctx.set("ETag", current);
    const sent = ctx.get("If-None-Match").split(",").map(weak);
    if (sent.includes(weak(current)) || sent.includes("*")) {
      ctx.status = 304;
      ctx.body = null;
    }
  };
  return [revalidate];
}

const texts = new WeakMap<object, string>();

/** A frozen answer cannot change (a shared read's, see SharedReads): it is serialized once for all its requests. */
function serialize(body: unknown): string {
  if (!body || typeof body !== "object" || !Object.isFrozen(body)) return JSON.stringify(body);
  const kept = texts.get(body);
  if (kept !== undefined) return kept;
  const text = JSON.stringify(body);
  texts.set(body, text);
  return text;
}

/** An API route answers GET, never HEAD: a HEAD would count a board view without showing it. */
function mount(routes: Routes, container: Container, idempotency: Idempotency, { endpoint, handle }: Route) {
  routes.add(endpoint.method, API_BASE_PATH + endpoint.path, ...caching(endpoint), async (ctx) => {
    const token = endpoint.access === "none" ? undefined : bearer(ctx);
    if (!token && (endpoint.access === "user" || endpoint.access === "admin"))
      throw new UnauthenticatedError();
    const user = token ? await container.services.auth.authenticate(token) : null;
    if (endpoint.access === "admin" && user?.role !== "ADMIN") throw new ForbiddenError("admins only");
    const input = validate(endpoint, {
      params: ctx.params,
      query: ctx.query,
      headers: ctx.headers,
      body: endpoint.body ? await readJson(ctx.req, endpoint.maxBodyBytes) : undefined,
    });
    await container.writeLimits.admitEndpoint(endpoint, user?.id, ctx.ip);
    const context: RequestContext = { user, requestId: ctx.state.requestId, ip: ctx.ip, request: ctx.req };
    const execute = async (): Promise<Outcome> => {
      const body = await handle(input, context);
      return {
        status: context.status ?? endpoint.status ?? 200,
        body,
        location: locationOf(endpoint, body, ctx.params),
      };
    };
    const key = isCreating(endpoint) ? Idempotency.keyOf(ctx.headers) : undefined;
    const outcome = key
      ? await idempotency.run(
          {
            scope: user ? `user:${user.id}` : "anonymous",
            key,
            fingerprint: idempotency.fingerprint(ctx.method, ctx.path, {
              query: input.query,
              body: input.body,
            }),
          },
          execute,
        )
      : await execute();
    ctx.status = outcome.status;
    if (outcome.body !== undefined) {
      // Serialized once, here: the ETag is taken from the same text that is sent.
      ctx.type = "json";
      ctx.body = serialize(outcome.body);
    }
    if (outcome.location) ctx.set("Location", outcome.location);
    if ("replayed" in outcome && outcome.replayed) ctx.set("Idempotent-Replayed", "true");
  });
}

export function createApp(container: Container): Koa {
  const { logger, metrics, config } = container;
  const { trustProxy } = config;
  // A number of hops: Koa takes the client from that many entries from the right of X-Forwarded-For.
  const app = new Koa(typeof trustProxy === "number" ? { proxy: true, maxIpsCount: trustProxy } : {});
  if (Array.isArray(trustProxy)) {
    // A list of proxies: the client is the rightmost address that is not one of them.
    const trusted = proxyAddr.compile(trustProxy);
    app.use((ctx, next) => {
      ctx.request.ip = proxyAddr(ctx.req, trusted);
      return next();
    });
  }

  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    ctx.state.requestId = ctx.get("x-request-id").slice(0, 64) || randomUUID();
    ctx.set("X-Request-Id", ctx.state.requestId);
    try {
      await logContext.run({ requestId: ctx.state.requestId }, next);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = ctx.state.route ?? "unmatched";
      metrics.requestDuration.observe({ method: ctx.method, route, status: ctx.status }, seconds);
      logger.info("request", {
        requestId: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        route,
        status: ctx.status,
        ms: Math.round(seconds * 1000),
      });
    }
  });
  app.use(cors(config.allowedOrigins));
  app.use(errors(logger));

  const routes = new Routes()
    .add(["GET", "HEAD"], "/health", (ctx) => {
      ctx.body = { status: "ok" };
    })
    .add(["GET", "HEAD"], "/ready", async (ctx) => {
      const services = await container.readiness();
      const ready = Object.values(services).every((state) => state === "up");
      ctx.status = ready ? 200 : 503;
      ctx.body = { status: ready ? "ready" : "unavailable", services };
    })
    .add("GET", "/metrics", async (ctx) => {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    });
  const openapi = JSON.stringify(openApiDocument(VERSION));
  routes.add("GET", "/openapi.json", (ctx) => {
    ctx.type = "json";
    ctx.body = openapi;
  });
  if (container.files) routes.add(["GET", "HEAD"], "/files/:key", container.files);

  const secret = config.jwtSecret ?? embeddedSecret(config.dataDir, "jwt-secret");
  const idempotency = new Idempotency(container.database, secret, {
    onStoreError: (error) => logger.error("idempotent response not stored", { error: String(error) }),
  });
  for (const route of container.routes) mount(routes, container, idempotency, route);
  app.use(routes.middleware());
  return app;
}
