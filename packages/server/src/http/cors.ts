import koaCors from "@koa/cors";
import type { Middleware } from "koa";

/**
 * Cross-origin calls from the browser origins in ALLOWED_ORIGINS; any other origin gets no CORS headers, so the
 * browser refuses it. Tokens are bearer headers, not cookies: credentials are never allowed.
 */
export function cors(allowedOrigins: readonly string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return koaCors({
    origin: (ctx) => (allowed.has(ctx.get("Origin")) ? ctx.get("Origin") : ""),
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id", "Retry-After", "Location", "ETag", "Idempotent-Replayed"],
    maxAge: 600,
    credentials: false,
  });
}
