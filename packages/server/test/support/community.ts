import { randomBytes, randomUUID } from "node:crypto";
import { CodeChef } from "@codechef/sdk";
import { AccessTokens } from "../../src/modules/auth/access-tokens.ts";
import { hashPassword } from "../../src/modules/auth/passwords.ts";
import { PASSWORD } from "./factories.ts";
import type { TestServer } from "./test-server.ts";

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function bearer(token: string | undefined, init: RequestInit = {}): RequestInit {
  return {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
  };
}

/**
 * Many signed-in users fast: rows inserted directly with one shared password hash, access tokens issued with
 * the server's secret (signing up and logging in costs an argon2 hash each).
 */
export async function manyUsers(server: TestServer, count: number) {
  const hash = await hashPassword(PASSWORD);
  const tag = randomBytes(4).toString("hex");
  const tokens = new AccessTokens(server.env.JWT_SECRET ?? "", 900);
  const users: Array<{ id: number; token: string; client: CodeChef }> = [];
  for (let i = 0; i < count; i++) {
    const now = Date.now();
    const { insertId } = await server.container.database.db
      .insertInto("users")
      .values({
        email: `many-${tag}-${i}@example.com`,
        password_hash: hash,
        nickname: `many-${tag}-${i}`,
        career: "ASPIRING",
        role: "USER",
        status: "ACTIVE",
        created_at: now,
        updated_at: now,
      })
      .executeTakeFirstOrThrow();
    const id = Number(insertId);
    const token = await tokens.issue(id, randomUUID());
    users.push({ id, token, client: new CodeChef({ baseUrl: server.url, token, maxRetries: 0 }) });
  }
  return users;
}

export const detailPaths = (error: { details?: Array<{ path: string }> } | undefined) =>
  (error?.details ?? []).map((detail) => detail.path).sort();
