import { randomBytes } from "node:crypto";
import type { Career, SignupBody } from "@codechef/contract";
import type { CodeChef } from "@codechef/sdk";
import type { TestServer } from "./test-server.ts";

export const PASSWORD = "correct horse battery";

export function buildSignup(overrides: Partial<SignupBody> = {}): SignupBody {
  const id = randomBytes(4).toString("hex");
  return {
    email: `user-${id}@example.com`,
    password: PASSWORD,
    nickname: `user-${id}`,
    career: "ASPIRING" satisfies Career,
    ...overrides,
  };
}

/** A new account, signed in on its own client. */
export async function signedInUser(server: TestServer, overrides: Partial<SignupBody> = {}) {
  const client: CodeChef = server.client();
  const signup = buildSignup(overrides);
  const user = await client.auth.signup(signup);
  const session = await client.auth.login({ email: signup.email, password: signup.password });
  return { client, user, session, signup };
}

/** A signed-in admin: an account promoted through the same path `ADMIN_EMAIL` uses at start. */
export async function signedInAdmin(server: TestServer) {
  const signup = buildSignup({ career: "WORKING" });
  await server.container.services.auth.ensureAdmin(signup.email, signup.password);
  const client = server.client();
  const session = await client.auth.login({ email: signup.email, password: signup.password });
  return { client, user: session.user, session };
}

/** Raw HTTP for the inputs the SDK would never send. */
export async function raw(server: TestServer, method: string, path: string, init: RequestInit = {}) {
  const response = await fetch(server.url + path, { method, ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
