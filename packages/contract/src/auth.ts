import { z } from "zod";
import { endpoint } from "./endpoint.ts";
import { Career, Email, Nickname, Password, User } from "./users.ts";

export const SignupBody = z.object({ email: Email, password: Password, nickname: Nickname, career: Career });
export type SignupBody = z.input<typeof SignupBody>;

export const LoginBody = z.object({ email: Email, password: z.string().min(1).max(128) });
export type LoginBody = z.input<typeof LoginBody>;

export const RefreshBody = z.object({ refreshToken: z.string().min(1).max(200) });

export const ChangePasswordBody = z.object({
  currentPassword: z.string().min(1).max(128),
  newPassword: Password,
});
export type ChangePasswordBody = z.input<typeof ChangePasswordBody>;

export const Session = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.int(),
  user: User,
});
export type Session = z.infer<typeof Session>;

export const auth = {
  signup: endpoint({
    method: "POST",
    path: "/auth/signup",
    summary: "Create an account",
    access: "none",
    status: 201,
    body: SignupBody,
    response: User,
    location: "/users/:id",
    errors: { 409: ["EMAIL_TAKEN", "NICKNAME_TAKEN"], 429: ["RATE_LIMITED"] },
  }),
  login: endpoint({
    method: "POST",
    path: "/auth/login",
    summary: "Exchange email and password for a session",
    access: "none",
    body: LoginBody,
    response: Session,
    errors: { 401: ["INVALID_CREDENTIALS"], 403: ["ACCOUNT_BLOCKED"], 429: ["RATE_LIMITED"] },
  }),
  refresh: endpoint({
    method: "POST",
    path: "/auth/refresh",
    summary: "Rotate a refresh token into a new session",
    access: "none",
    body: RefreshBody,
    response: Session,
    errors: { 401: ["UNAUTHENTICATED"], 403: ["ACCOUNT_BLOCKED"] },
  }),
  logout: endpoint({
    method: "POST",
    path: "/auth/logout",
    summary: "Sign out: revoke a refresh token's family and, at once, its access tokens",
    access: "none",
    status: 204,
    body: RefreshBody,
  }),
  changePassword: endpoint({
    method: "POST",
    path: "/users/me/password",
    summary:
      "Change your password (403 WRONG_PASSWORD when the current one is wrong); every session of yours is signed out",
    access: "user",
    status: 204,
    body: ChangePasswordBody,
    errors: { 403: ["WRONG_PASSWORD"], 429: ["RATE_LIMITED"] },
  }),
};
