import type {
  AdminUsersQuery,
  CategoryReputation,
  Page,
  UpdateMeBody,
  User,
  UserProfile,
} from "@codechef/contract";
import type { z } from "zod";
import { isUniqueViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { NotFoundError, ValidationError } from "../../shared/errors.ts";
import { isReservedNickname, nicknameKey, nicknameTaken } from "../../shared/nicknames.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { presentPublicUser, presentUser } from "./presenter.ts";
import type { UserRepository } from "./repository.ts";

export interface UserServiceDeps {
  database: SqlDatabase;
  users: UserRepository;
  /** Runs in the transaction that stores a new nickname (boards showing it outdate their cached detail with it). */
  onNicknameChanged?: (tx: Tx, userId: number) => Promise<void>;
  /** Runs after a new career is committed (the rankings move the user between careers). */
  onCareerChanged?: (userId: number) => unknown;
  /** The categories a user earned the most review points in. */
  topCategories?: (userId: number) => Promise<CategoryReputation[]>;
}

export class UserService {
  readonly #database: SqlDatabase;
  readonly #users: UserRepository;
  readonly #onNicknameChanged: NonNullable<UserServiceDeps["onNicknameChanged"]>;
  readonly #onCareerChanged: NonNullable<UserServiceDeps["onCareerChanged"]>;
  readonly #topCategories: NonNullable<UserServiceDeps["topCategories"]>;

  constructor(deps: UserServiceDeps) {
    this.#database = deps.database;
    this.#users = deps.users;
    this.#onNicknameChanged = deps.onNicknameChanged ?? (async () => {});
    this.#onCareerChanged = deps.onCareerChanged ?? (() => {});
    this.#topCategories = deps.topCategories ?? (async () => []);
  }

  /** The signed-in user's own view of their account (the request loaded the row). */
  profile(user: UserRow): User {
    return presentUser(user);
  }

  /** A new nickname may not be reserved (but for admins) nor look like another user's. */
  async updateProfile(user: UserRow, changes: z.output<typeof UpdateMeBody>): Promise<User> {
    const { nickname } = changes;
    if (nickname !== undefined && isReservedNickname(nickname) && user.role !== "ADMIN") {
      throw new ValidationError([{ path: "body.nickname", message: "is reserved; choose another" }]);
    }
    const key = nickname === undefined ? {} : { nickname_key: nicknameKey(nickname) };
    const updated = await this.#database.transaction(async (tx) => {
      const row = await this.#users
        .update(user.id, { ...changes, ...key, updated_at: Date.now() }, tx)
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? nicknameTaken() : error;
        });
      if (changes.nickname !== undefined && changes.nickname !== user.nickname) {
        await this.#onNicknameChanged(tx, user.id);
      }
      return row;
    });
    if (!updated) throw new NotFoundError("user");
    if (updated.career !== user.career) await this.#onCareerChanged(user.id);
    return presentUser(updated);
  }

  async get(id: number): Promise<UserProfile> {
    const user = await this.#users.findById(id);
    if (!user) throw new NotFoundError("user");
    return { ...presentPublicUser(user), topCategories: await this.#topCategories(id) };
  }

  async list(query: z.output<typeof AdminUsersQuery>): Promise<Page<User>> {
    const page = await this.#users.list(query);
    return { ...page, items: page.items.map(presentUser) };
  }
}
