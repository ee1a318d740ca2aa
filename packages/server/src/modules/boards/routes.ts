import { boards } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { BoardService } from "./service.ts";

export function boardRoutes(service: BoardService) {
  return [
    route(boards.list, ({ query }) => service.list(query)),
    route(boards.create, ({ body }, { user }) => service.create(user, body)),
    route(boards.get, ({ params }, ctx) => service.get(params.id, ctx)),
    route(boards.update, ({ params, body }, { user }) => service.update(user, params.id, body)),
    route(boards.delete, async ({ params }, { user }) => {
      await service.delete(user, params.id);
      return undefined;
    }),
  ];
}
