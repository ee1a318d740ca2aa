import { moderation } from "@codechef/contract";
import { route } from "../../http/route.ts";
import { presentUser } from "../users/presenter.ts";
import type { ModerationService } from "./service.ts";

export function moderationRoutes(service: ModerationService) {
  return [
    route(moderation.warn, ({ params, body }, { user }) => service.warn(user, params.id, body.reason)),
    route(moderation.unblock, async ({ params }) => presentUser(await service.unblock(params.id))),
  ];
}
