import FindMyWay from "find-my-way";
import type { Context, Middleware, Next } from "koa";
import compose from "koa-compose";
import { AppError } from "../shared/errors.ts";

declare module "koa" {
  interface DefaultContext {
    /** The matched route's path parameters, decoded. */
    params: Record<string, string>;
  }
}

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
/** What `Allow` may list: HEAD is answered beside GET where it is answered at all, and never listed. */
const LISTED: readonly Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

interface Target {
  /** The route's pattern, the `route` label of the request metrics. */
  path: string;
  run: Middleware;
}

/**
 * Requests routed by method and path through a radix tree (find-my-way), each route's middleware composed once
 * when it is added: matching costs the same however many routes there are. A path known under other methods
 * answers 405 with `Allow` (an OPTIONS, 200 with `Allow`); an unknown path goes on to the next middleware.
 */
export class Routes {
  readonly #tree = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 1000 });

  add(methods: Method | Method[], path: string, ...middleware: Middleware[]): this {
    const target: Target = { path, run: compose(middleware) };
    this.#tree.on(methods, path, () => {}, target);
    return this;
  }

  middleware(): Middleware {
    return (ctx, next) => {
      const found = this.#tree.find(ctx.method as Method, ctx.path);
      if (!found) return this.#unrouted(ctx, next);
      const target = found.store as Target;
      ctx.params = found.params as Record<string, string>;
      ctx.state.route = target.path;
      return target.run(ctx, next);
    };
  }

  async #unrouted(ctx: Context, next: Next): Promise<void> {
    const allowed = LISTED.filter((method) => this.#tree.find(method, ctx.path)).join(", ");
    if (!allowed) return next();
    if (ctx.method === "OPTIONS") {
      ctx.status = 200;
      ctx.set("Allow", allowed);
      ctx.body = "";
      return;
    }
    throw new AppError(405, "METHOD_NOT_ALLOWED", `this path answers ${allowed}`, undefined, {
      Allow: allowed,
    });
  }
}
