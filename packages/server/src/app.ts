import { randomUUID } from "node:crypto";
import { API_BASE_PATH, type ErrorBody, openApiDocument } from "@codechef/contract";
import Router from "@koa/router";
import Koa, { type Context } from "koa";
import type { Container } from "./container.ts";
import { readJson } from "./http/body.ts";
import type { RequestContext, Route } from "./http/route.ts";
import { validate } from "./http/route.ts";
import type { Logger } from "./logger.ts";
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

function mount(router: Router, container: Container, { endpoint, handle }: Route): void {
  const method = endpoint.method.toLowerCase() as "get" | "post" | "put" | "patch" | "delete";
  router[method](endpoint.path, async (ctx) => {
    ctx.state.route = API_BASE_PATH + endpoint.path;
    // The router answers HEAD with the GET handler, which would count a board view without showing it.
    if (ctx.method === "HEAD") throw new AppError(405, "METHOD_NOT_ALLOWED", "use GET");
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
    const context: RequestContext = { user, requestId: ctx.state.requestId, ip: ctx.ip };
    const result = await handle(input, context);
    ctx.status = context.status ?? endpoint.status ?? 200;
    if (result !== undefined) ctx.body = result;
  });
}

export function createApp(container: Container): Koa {
  const { logger, metrics, config } = container;
  const app = new Koa({ proxy: config.trustProxy });

  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    ctx.state.requestId = ctx.get("x-request-id").slice(0, 64) || randomUUID();
    ctx.set("X-Request-Id", ctx.state.requestId);
    try {
      await next();
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
  app.use(errors(logger));

  const root = new Router();
  root.get("/health", (ctx) => {
    ctx.state.route = "/health";
    ctx.body = { status: "ok" };
  });
  root.get("/ready", async (ctx) => {
    ctx.state.route = "/ready";
    const services = await container.readiness();
    const ready = Object.values(services).every((state) => state === "up");
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? "ready" : "unavailable", services };
  });
  root.get("/metrics", async (ctx) => {
    ctx.state.route = "/metrics";
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  const openapi = openApiDocument(VERSION);
  root.get("/openapi.json", (ctx) => {
    ctx.state.route = "/openapi.json";
    ctx.body = openapi;
  });
  app.use(root.routes());

  const api = new Router({ prefix: API_BASE_PATH });
  for (const route of container.routes) mount(api, container, route);
  app.use(api.routes());
  return app;
}
