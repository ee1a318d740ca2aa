import { attachments } from "@codechef/contract";
import type { Middleware } from "koa";
import { route } from "../../http/route.ts";
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

/** `GET /files/:key` for the local directory: committed attachments only; anything else is the API's 404. */
export function fileRoute(service: AttachmentService): Middleware {
  return async (ctx) => {
    const found = await service.file(String(ctx.params.key ?? ""));
    if (!found) return;
    ctx.set(found.headers);
    ctx.body = found.body;
  };
}
