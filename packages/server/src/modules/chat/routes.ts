import { chat } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { ChatService } from "./service.ts";

export function chatRoutes(service: ChatService) {
  return [
    route(chat.createRoom, ({ body }, { user }) => service.create(user, body.title)),
    route(chat.listRooms, ({ query }) => service.list(query)),
    route(chat.getRoom, ({ params }) => service.get(params.id)),
    route(chat.join, ({ params }, { user }) => service.join(user, params.id)),
    route(chat.leave, async ({ params }, { user }) => {
      await service.leave(user, params.id);
      return undefined;
    }),
    route(chat.messages, ({ params, query }, { user }) =>
      service.messages(user, params.id, query.after, query.limit),
    ),
  ];
}
