import { events } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { EventService } from "./service.ts";

export function eventRoutes(service: EventService) {
  return [
    route(events.create, ({ body }, { user }) => service.create(user, body)),
    route(events.list, () => service.list()),
    route(events.get, ({ params }) => service.get(params.id)),
    route(events.join, ({ params }, { user }) => service.join(user, params.id)),
  ];
}
