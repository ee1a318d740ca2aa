import { adminUsers, users } from "@codechef/contract";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { NotFoundError, ValidationError } from "../../http/errors.ts";
import { route } from "../../http/route.ts";
import { isReservedNickname, nicknameKey } from "../../shared/nicknames.ts";
import { nicknameTaken } from "../auth/service.ts";
import { presentPublicUser, presentUser } from "./presenter.ts";
import { isUniqueViolation, type UserRepository } from "./repository.ts";

/**
 * `onNicknameChanged` runs in the transaction that stores a new nickname (boards showing it outdate their
 * cached detail together with the change); `onCareerChanged` after a new career is committed (the rankings
 * move the user between careers).
 */
export function userRoutes(
  database: SqlDatabase,
  repository: UserRepository,
  onNicknameChanged: (tx: Tx, userId: number) => Promise<void> = async () => {},
  onCareerChanged: (userId: number) => unknown = () => {},
) {
  return [
    route(users.me, async (_, { user }) => presentUser(user)),
    route(users.updateMe, async ({ body }, { user }) => {
      const { nickname } = body;
      if (nickname !== undefined && isReservedNickname(nickname) && user.role !== "ADMIN") {
        throw new ValidationError([{ path: "body.nickname", message: "is reserved; choose another" }]);
      }
      const key = nickname === undefined ? {} : { nickname_key: nicknameKey(nickname) };
      const updated = await database.transaction(async (tx) => {
        const row = await repository
          .update(user.id, { ...body, ...key, updated_at: Date.now() }, tx)
          .catch((error: unknown) => {
            throw isUniqueViolation(error) ? nicknameTaken() : error;
          });
        if (body.nickname !== undefined && body.nickname !== user.nickname)
          await onNicknameChanged(tx, user.id);
        return row;
      });
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
