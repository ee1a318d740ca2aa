import { adminUsers, users } from "@codechef/contract";
import { NotFoundError } from "../../http/errors.ts";
import { route } from "../../http/route.ts";
import { presentPublicUser, presentUser } from "./presenter.ts";
import type { UserRepository } from "./repository.ts";

/** `onCareerChanged` runs after a user's career changed (the rankings move them between careers). */
export function userRoutes(
  repository: UserRepository,
  onCareerChanged: (userId: number) => unknown = () => {},
) {
  return [
    route(users.me, async (_, { user }) => presentUser(user)),
    route(users.updateMe, async ({ body }, { user }) => {
      const updated = await repository.update(user.id, { ...body, updated_at: Date.now() });
      if (!updated) throw new NotFoundError("user");
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
