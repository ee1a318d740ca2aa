import { announcements, notifications } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { NotificationService } from "./service.ts";

export function notificationRoutes(service: NotificationService) {
  return [
    route(notifications.list, ({ query }, { user }) => service.list(user, query)),
    route(notifications.unreadCount, async (_, { user }) => ({ count: await service.unreadCount(user) })),
    route(notifications.read, ({ params }, { user }) => service.read(user, params.id)),
    route(notifications.readAll, async (_, { user }) => {
      await service.readAll(user);
      return undefined;
    }),
    route(announcements.create, ({ body }) => service.announce(body.title, body.body)),
  ];
}
