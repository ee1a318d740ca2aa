import { adminUsers, users } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { UserService } from "./service.ts";

export function userRoutes(service: UserService) {
  return [
    route(users.me, async (_, { user }) => service.profile(user)),
    route(users.updateMe, ({ body }, { user }) => service.updateProfile(user, body)),
    route(users.get, ({ params }) => service.get(params.id)),
    route(adminUsers.list, ({ query }) => service.list(query)),
  ];
}
