import { auth } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { AuthService } from "./service.ts";

export function authRoutes(service: AuthService) {
  return [
    route(auth.signup, ({ body }, ctx) => service.register(body, ctx.ip)),
    route(auth.login, ({ body }, ctx) => service.login(body.email, body.password, ctx.ip)),
    route(auth.refresh, ({ body }) => service.refresh(body.refreshToken)),
    route(auth.logout, async ({ body }) => {
      await service.logout(body.refreshToken);
      return undefined;
    }),
    route(auth.changePassword, async ({ body }, { user, ip }) => {
      await service.changePassword(user, body.currentPassword, body.newPassword, ip);
      return undefined;
    }),
  ];
}
