import { moderation } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { ModerationService } from "./service.ts";

export function moderationRoutes(service: ModerationService) {
  return [
    route(moderation.warn, ({ params, body }, { user }) => service.warn(user, params.id, body.reason)),
    route(moderation.unblock, ({ params }) => service.unblock(params.id)),
  ];
}
