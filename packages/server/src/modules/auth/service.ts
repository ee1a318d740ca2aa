import type { Career, Session, User } from "@codechef/contract";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import type { Logger } from "../../logger.ts";
import { AccountBlockedError, ConflictError, UnauthenticatedError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { presentUser } from "../users/presenter.ts";
import type { UserRepository } from "../users/repository.ts";
import type { AccessTokens } from "./access-tokens.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import type { RefreshTokens } from "./refresh-tokens.ts";

export interface SignupInput {
  email: string;
  password: string;
  nickname: string;
  career: Career;
}

/** Runs in the logout's transaction: closes the user's realtime sessions once it commits. */
export type LogoutHook = (tx: Tx, userId: number) => Promise<void>;

export class AuthService {
  readonly #database: SqlDatabase;
  readonly #users: UserRepository;
  readonly #access: AccessTokens;
  readonly #refresh: RefreshTokens;
  readonly #throttle: LoginThrottle;
  readonly #logger: Logger;
  readonly #onLogout: LogoutHook;
  /** Compared against when the email is unknown, so both paths cost one hash. */
  #decoy: Promise<string> | undefined;

  constructor(deps: {
    database: SqlDatabase;
    users: UserRepository;
    access: AccessTokens;
    refresh: RefreshTokens;
    throttle: LoginThrottle;
    logger: Logger;
    onLogout?: LogoutHook;
  }) {
    this.#database = deps.database;
    this.#users = deps.users;
    this.#access = deps.access;
    this.#refresh = deps.refresh;
    this.#throttle = deps.throttle;
    this.#logger = deps.logger;
    this.#onLogout = deps.onLogout ?? (async () => {});
  }

  async signup(input: SignupInput, role: UserRow["role"] = "USER"): Promise<User> {
    const now = Date.now();
    const user = await this.#users.insert({
      email: input.email,
      password_hash: await hashPassword(input.password),
      nickname: input.nickname,
      career: input.career,
      role,
      status: "ACTIVE",
      created_at: now,
      updated_at: now,
    });
    if (!user) throw new ConflictError("this email is already registered", "EMAIL_TAKEN");
    return presentUser(user);
  }

  async login(email: string, password: string, ip: string): Promise<Session> {
    await this.#throttle.attempt(email, ip);
    const user = await this.#users.findByEmail(email);
    this.#decoy ??= hashPassword("decoy password");
    const valid = await verifyPassword(password, user?.password_hash ?? (await this.#decoy));
    if (!user || !valid) throw new UnauthenticatedError("wrong email or password", "INVALID_CREDENTIALS");
    await this.#throttle.succeeded(email, ip);
    if (user.status === "BLOCKED") throw new AccountBlockedError();
    return this.#session(user, await this.#refresh.issue(user.id));
  }

  async refresh(token: string): Promise<Session> {
    const rotation = await this.#refresh.rotate(token);
    if (rotation.outcome !== "rotated") {
      if (rotation.outcome === "reused") this.#logger.warn("refresh token reused; family revoked");
      throw new UnauthenticatedError(`refresh token ${rotation.outcome}`);
    }
    const user = await this.#users.findById(rotation.userId);
    if (!user) throw new UnauthenticatedError("account no longer exists");
    if (user.status === "BLOCKED") throw new AccountBlockedError();
    return this.#session(user, rotation.token);
  }

  async logout(token: string): Promise<void> {
    await this.#database.transaction(async (tx) => {
      const userId = await this.#refresh.revokeFamilyOf(token, tx);
      if (userId !== undefined) await this.#onLogout(tx, userId);
    });
  }

  /** The user behind an access token, read fresh so a block applies from the moment it is written. */
  async authenticate(accessToken: string): Promise<UserRow> {
    const claims = this.#access.verify(accessToken);
    const user = await this.#users.findById(claims.sub);
    if (!user) throw new UnauthenticatedError("account no longer exists");
    if (user.status === "BLOCKED") throw new AccountBlockedError();
    return user;
  }

  /** `authenticate` for a connection that outlives the request: also when the token expires (epoch ms). */
  async authenticateSession(accessToken: string): Promise<{ user: UserRow; expiresAt: number }> {
    const user = await this.authenticate(accessToken);
    return { user, expiresAt: this.#access.verify(accessToken).exp * 1000 };
  }

  /**
   * Makes the configured admin account exist, active, with the configured password: an account someone
   * registered under that email beforehand is taken over, not trusted with its own password.
   */
  async ensureAdmin(email: string, password: string): Promise<void> {
    const existing = await this.#users.findByEmail(email.toLowerCase());
    if (!existing) {
      await this.signup(
        { email: email.toLowerCase(), password, nickname: "admin", career: "WORKING" },
        "ADMIN",
      );
      this.#logger.info("admin account created", { email });
      return;
    }
    const current =
      existing.role === "ADMIN" &&
      existing.status === "ACTIVE" &&
      (await verifyPassword(password, existing.password_hash));
    if (current) return;
    await this.#users.update(existing.id, {
      role: "ADMIN",
      status: "ACTIVE",
      warning_count: 0,
      password_hash: await hashPassword(password),
      updated_at: Date.now(),
    });
    this.#logger.info("admin account reset from ADMIN_EMAIL/ADMIN_PASSWORD", { email });
  }

  #session(user: UserRow, refreshToken: string): Session {
    return {
      accessToken: this.#access.issue(user.id),
      refreshToken,
      expiresIn: this.#access.ttlSeconds,
      user: presentUser(user),
    };
  }
}
