import { attachments } from "@codechef/contract";
import type { Middleware } from "koa";
import { NotFoundError } from "../../http/errors.ts";
import { route } from "../../http/route.ts";
import { dispositionOf } from "./presenter.ts";
import type { AttachmentService } from "./service.ts";

export function attachmentRoutes(service: AttachmentService) {
  return [
    route(attachments.upload, ({ params }, { user, request }) => service.upload(user, params.id, request)),
    route(attachments.list, ({ params }) => service.list(params.id)),
    route(attachments.delete, async ({ params }, { user }) => {
      await service.clear(user, params.id);
      return undefined;
    }),
  ];
}

/** `GET /files/:key` for the local directory: committed attachments only, as the type their bytes were found to be. */
export function fileRoute(service: AttachmentService): Middleware {
  return async (ctx) => {
    ctx.state.route = "/files/:key";
    const found = await service.file(String(ctx.params?.key ?? ""));
    if (!found) throw new NotFoundError("file");
    ctx.set("Content-Type", found.row.content_type);
    ctx.set("X-Content-Type-Options", "nosniff");
    ctx.set("Content-Disposition", dispositionOf(found.row.name));
    ctx.set("Content-Security-Policy", "default-src 'none'; sandbox");
    ctx.set("Cache-Control", "public, max-age=31536000, immutable");
    ctx.body = found.body;
  };
}
