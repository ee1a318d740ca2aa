import type autocannon from "autocannon";

/** JSON over fetch for a scenario's setup calls; a non-2xx answer is a failure of the run. */
export async function json<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined && { "content-type": "application/json" }),
      ...(token && { authorization: `Bearer ${token}` }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The admin the bench's servers are started with (`ADMIN_EMAIL`/`ADMIN_PASSWORD`). */
export const adminSession = {
  env: { ADMIN_EMAIL: "bench-admin@example.com", ADMIN_PASSWORD: "bench-admin-Password-1" },
  async login(base: string): Promise<string> {
    const session = await json<{ accessToken: string }>(base, "POST", "/api/v1/auth/login", {
      email: this.env.ADMIN_EMAIL,
      password: this.env.ADMIN_PASSWORD,
    });
    return session.accessToken;
  },
};

export interface Seeded {
  firstUser: number;
  firstBoard: number;
  views: number;
  ledger: number;
  searches: number;
  ms: number;
}

/** Seeds the lab server's database (`POST /api/v1/lab/seed`): users, boards, hourly views, ledger rows, searches. */
export function seed(
  base: string,
  request: Partial<{
    users: number;
    boards: number;
    viewedPerHour: number;
    ledger: number;
    searches: number;
    index: boolean;
  }>,
): Promise<Seeded> {
  return json<Seeded>(base, "POST", "/api/v1/lab/seed", request);
}

/** A distinct client address per request: a view counts once per viewer per hour, and these are all new. */
export const distinctViewer = (() => {
  let next = 0;
  return (request: autocannon.Request): autocannon.Request => {
    next++;
    return {
      ...request,
      headers: {
        ...request.headers,
        "x-forwarded-for": `10.${(next >> 16) & 255}.${(next >> 8) & 255}.${next & 255}`,
      },
    };
  };
})();
