import { adminUsers, users } from "@codechef/contract";
import { NotFoundError } from "../../http/errors.ts";
import { route } from "../../http/route.ts";
import { presentPublicUser, presentUser } from "./presenter.ts";
import type { UserRepository } from "./repository.ts";

/**
 * `onNicknameChanged` runs after a new nickname is stored (boards showing it outdate their cached detail);
 * `onCareerChanged` after a new career is (the rankings move the user between careers).
 */
export function userRoutes(
  repository: UserRepository,
  onNicknameChanged: (userId: number) => Promise<void> = async () => {},
  onCareerChanged: (userId: number) => unknown = () => {},
) {
  return [
    route(users.me, async (_, { user }) => presentUser(user)),
    route(users.updateMe, async ({ body }, { user }) => {
      const updated = await repository.update(user.id, { ...body, updated_at: Date.now() });
      if (!updated) throw new NotFoundError("user");
      if (body.nickname !== undefined && body.nickname !== user.nickname) await onNicknameChanged(user.id);
      if (updated.career !== user.career) await onCareerChanged(user.id);
      return presentUser(updated);
    }),
    route(users.get, async ({ params }) => {
      const user = await repository.findById(params.id);
      if (!user) throw new NotFoundError("user");
      return presentPublicUser(user);
    }),
    route(adminUsers.list, async ({ query }) => {
      const { rows, total } = await repository.list(query);
      return { items: rows.map(presentUser), page: query.page, size: query.size, total };
    }),
  ];
}
