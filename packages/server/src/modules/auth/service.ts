import type { Career, Session, User } from "@codechef/contract";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import type { Logger } from "../../logger.ts";
import {
  AccountBlockedError,
  ConflictError,
  ForbiddenError,
  UnauthenticatedError,
  ValidationError,
} from "../../shared/errors.ts";
import { isReservedNickname, nicknameKey, nicknameTaken } from "../../shared/nicknames.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { presentUser } from "../users/presenter.ts";
import type { UserRepository } from "../users/repository.ts";
import type { AccessClaims, AccessTokens } from "./access-tokens.ts";
import type { HashGate } from "./hash-gate.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { hashPassword, isCommonPassword, verifyPassword } from "./passwords.ts";
import type { RefreshTokens } from "./refresh-tokens.ts";
import type { Revocations } from "./revocations.ts";

export interface SignupInput {
  email: string;
  password: string;
  nickname: string;
  career: Career;
}

/** Runs in the logout's transaction: closes the user's realtime sessions once it commits. */
export type LogoutHook = (tx: Tx, userId: number) => Promise<void>;

/** The address password hashes are queued under when no client is behind them (start-up, the admin account). */
const INTERNAL = "internal";

export class AuthService {
  readonly #database: SqlDatabase;
  readonly #users: UserRepository;
  readonly #access: AccessTokens;
  readonly #refresh: RefreshTokens;
  readonly #revocations: Revocations;
  readonly #throttle: LoginThrottle;
  readonly #hashes: HashGate;
  readonly #logger: Logger;
  readonly #onLogout: LogoutHook;
  /** Compared against when the email is unknown, so both paths cost one hash. */
  #decoy: Promise<string> | undefined;

  constructor(deps: {
    database: SqlDatabase;
    users: UserRepository;
    access: AccessTokens;
    refresh: RefreshTokens;
    revocations: Revocations;
    throttle: LoginThrottle;
    hashes: HashGate;
    logger: Logger;
    onLogout?: LogoutHook;
  }) {
    this.#database = deps.database;
    this.#users = deps.users;
    this.#access = deps.access;
    this.#refresh = deps.refresh;
    this.#revocations = deps.revocations;
    this.#throttle = deps.throttle;
    this.#hashes = deps.hashes;
    this.#logger = deps.logger;
    this.#onLogout = deps.onLogout ?? (async () => {});
  }

  /** A new account from the public API: its password may not be a common one, its nickname not reserved. */
  async register(input: SignupInput, ip: string): Promise<User> {
    const problems = [
      ...(isCommonPassword(input.password) ? [COMMON_PASSWORD] : []),
      ...(isReservedNickname(input.nickname) ? [RESERVED_NICKNAME] : []),
    ];
    if (problems.length > 0) throw new ValidationError(problems);
    return presentUser(await this.signup(input, "USER", ip));
  }

  async signup(input: SignupInput, role: UserRow["role"] = "USER", ip = INTERNAL): Promise<UserRow> {
    const now = Date.now();
    const passwordHash = await this.#hashes.run(ip, () => hashPassword(input.password));
    const user = await this.#users.insert({
      email: input.email,
      password_hash: passwordHash,
      nickname: input.nickname,
      nickname_key: nicknameKey(input.nickname),
      career: input.career,
      role,
      status: "ACTIVE",
      created_at: now,
      updated_at: now,
    });
    if (user) return user;
    // A unique key refused it: the email's, unless no account holds the email.
    if (await this.#users.findByEmail(input.email)) {
      throw new ConflictError("this email is already registered", "EMAIL_TAKEN");
    }
    throw nicknameTaken();
  }

  async login(email: string, password: string, ip: string): Promise<Session> {
    const attempt = await this.#throttle.attempt(email, ip);
    try {
      const user = await this.#users.findByEmail(email);
      this.#decoy ??= hashPassword("decoy password");
      const encoded = user?.password_hash ?? (await this.#decoy);
      const valid = await this.#hashes.run(ip, () => verifyPassword(password, encoded));
      if (!user || !valid) {
        await attempt.failed();
        throw new UnauthenticatedError("wrong email or password", "INVALID_CREDENTIALS");
      }
      await attempt.succeeded();
      if (user.status === "BLOCKED") throw new AccountBlockedError();
      return this.#session(user, await this.#refresh.issue(user.id));
    } finally {
      // Anything but a verdict on the password (a database outage, a full hash queue) counts for nothing.
      await attempt.abandoned();
    }
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
    return this.#session(user, rotation);
  }

  async logout(token: string): Promise<void> {
    await this.#database.transaction(async (tx) => {
      const userId = await this.#refresh.revokeFamilyOf(token, tx);
      if (userId !== undefined) await this.#onLogout(tx, userId);
    });
  }

  /**
   * Checks the current password (counted by the login throttle like a login) and stores the new one; every
   * sign-in of the user ends with it, their access tokens at once.
   */
  async changePassword(
    user: UserRow,
    currentPassword: string,
    newPassword: string,
    ip: string,
  ): Promise<void> {
    if (isCommonPassword(newPassword))
      throw new ValidationError([{ ...COMMON_PASSWORD, path: "body.newPassword" }]);
    const attempt = await this.#throttle.attempt(user.email, ip);
    try {
      const valid = await this.#hashes.run(ip, () => verifyPassword(currentPassword, user.password_hash));
      if (!valid) {
        await attempt.failed();
        throw new ForbiddenError("the current password is wrong", "WRONG_PASSWORD");
      }
      await attempt.succeeded();
    } finally {
      await attempt.abandoned();
    }
    const passwordHash = await this.#hashes.run(ip, () => hashPassword(newPassword));
    await this.#database.transaction(async (tx) => {
      await this.#users.update(user.id, { password_hash: passwordHash, updated_at: Date.now() }, tx);
      await this.#refresh.revokeAllOf(user.id, tx);
      await this.#onLogout(tx, user.id);
    });
  }

  /**
   * The user behind an access token: its sign-in not revoked, the user read fresh so a block applies from the
   * moment it is written.
   */
  async authenticate(accessToken: string): Promise<UserRow> {
    return this.#userOf(await this.#access.verify(accessToken));
  }

  /** `authenticate` for a connection that outlives the request: also when the token expires (epoch ms). */
  async authenticateSession(accessToken: string): Promise<{ user: UserRow; expiresAt: number }> {
    const claims = await this.#access.verify(accessToken);
    return { user: await this.#userOf(claims), expiresAt: claims.expiresAt };
  }

  async #userOf(claims: AccessClaims): Promise<UserRow> {
    const [user, revoked] = await Promise.all([
      this.#users.findSignedIn(claims.userId),
      this.#revocations.isRevoked(claims.familyId),
    ]);
    if (!user) throw new UnauthenticatedError("account no longer exists");
    if (user.status === "BLOCKED") throw new AccountBlockedError();
    if (revoked) {
      throw new UnauthenticatedError("this session has ended; sign in again");
    }
    return user;
  }

  /**
   * Makes the configured admin account exist, active, with the configured password: an account someone
   * registered under that email beforehand is taken over, not trusted with its own password.
   */
  async ensureAdmin(email: string, password: string): Promise<void> {
    const existing = await this.#users.findByEmail(email.toLowerCase());
    if (!existing) {
      try {
        await this.#signupAdmin(email.toLowerCase(), password);
        this.#logger.info("admin account created", { email });
        return;
      } catch (error) {
        // Another instance starting at the same time created it first: check that one as below.
        if (!(error instanceof ConflictError && error.code === "EMAIL_TAKEN")) throw error;
        return this.ensureAdmin(email, password);
      }
    }
    const current =
      existing.role === "ADMIN" &&
      existing.status === "ACTIVE" &&
      (await this.#hashes.run(INTERNAL, () => verifyPassword(password, existing.password_hash)));
    if (current) return;
    await this.#users.update(existing.id, {
      role: "ADMIN",
      status: "ACTIVE",
      warning_count: 0,
      password_hash: await this.#hashes.run(INTERNAL, () => hashPassword(password)),
      updated_at: Date.now(),
    });
    this.#logger.info("admin account reset from ADMIN_EMAIL/ADMIN_PASSWORD", { email });
  }

  /** The first admin is `admin`; another one, `admin-` and a number. */
  async #signupAdmin(email: string, password: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const nickname = attempt === 0 ? "admin" : `admin-${Math.floor(Math.random() * 1_000_000)}`;
      try {
        await this.signup({ email, password, nickname, career: "WORKING" }, "ADMIN");
        return;
      } catch (error) {
        if (!(error instanceof ConflictError && error.code === "NICKNAME_TAKEN") || attempt >= 5) throw error;
      }
    }
  }

  async #session(user: UserRow, refresh: { token: string; familyId: string }): Promise<Session> {
    return {
      accessToken: await this.#access.issue(user.id, refresh.familyId),
      refreshToken: refresh.token,
      expiresIn: this.#access.ttlSeconds,
      user: presentUser(user),
    };
  }
}

const COMMON_PASSWORD = {
  path: "body.password",
  message: "is one of the most common passwords; choose one that is not",
};
const RESERVED_NICKNAME = { path: "body.nickname", message: "is reserved; choose another" };
