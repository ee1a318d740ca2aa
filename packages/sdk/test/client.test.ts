import type { Session } from "@codechef/contract";
import { describe, expect, it } from "vitest";
import {
  BadRequestError,
  CodeChef,
  ConnectionError,
  type Fetch,
  NotFoundError,
  RateLimitError,
  ServiceUnavailableError,
} from "../src/index.ts";

const user = {
  id: 1,
  email: "a@example.com",
  nickname: "alice",
  career: "WORKING",
  role: "USER",
  status: "ACTIVE",
  createdAt: "2026-01-01T00:00:00.000Z",
} as const;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

const failure = (status: number, code: string) =>
  json(status, { error: { code, message: code, requestId: "r1" } });

/** A fetch that answers from a script, recording what was asked. */
function scripted(...answers: Array<(url: string, init: RequestInit) => Response | Promise<Response>>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({ url, init });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (!answer) throw new Error("no scripted answer");
    return answer(url, init);
  };
  return { fetch, calls };
}

describe("CodeChef client", () => {
  it("builds the URL, encodes path parameters and sends the token", async () => {
    const { fetch, calls } = scripted(() => json(200, user));
    const client = new CodeChef({ baseUrl: "http://api.test/", token: "t0", fetch });
    await client.users.get(42);
    await client.users.me();
    expect(calls[0]?.url).toBe("http://api.test/api/v1/users/42");
    expect(new Headers(calls[0]?.init.headers).get("authorization")).toBeNull();
    expect(new Headers(calls[1]?.init.headers).get("authorization")).toBe("Bearer t0");
  });

  it("turns error bodies into typed errors with status, code and request id", async () => {
    const { fetch } = scripted(
      () => failure(404, "NOT_FOUND"),
      () =>
        json(400, {
          error: {
            code: "INVALID_INPUT",
            message: "bad",
            details: [{ path: "body.x", message: "m" }],
            requestId: "r2",
          },
        }),
    );
    const client = new CodeChef({ baseUrl: "http://api.test", fetch, maxRetries: 0 });
    const notFound = await client.users.get(1).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound).toMatchObject({ status: 404, code: "NOT_FOUND", requestId: "r1" });
    const invalid = await client.users.get(1).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(BadRequestError);
    expect(invalid).toMatchObject({ details: [{ path: "body.x", message: "m" }] });
  });

  it("retries idempotent calls on 503 and 429, honouring Retry-After", async () => {
    const { fetch, calls } = scripted(
      () => failure(503, "SERVICE_UNAVAILABLE"),
      () =>
        json(
          429,
          { error: { code: "RATE_LIMITED", message: "slow", requestId: "r" } },
          { "retry-after": "0" },
        ),
      () => json(200, user),
    );
    const client = new CodeChef({ baseUrl: "http://api.test", fetch, maxRetries: 2 });
    expect(await client.users.get(1)).toEqual(user);
    expect(calls).toHaveLength(3);
  });

  it("does not retry a POST without an idempotency key", async () => {
    const { fetch, calls } = scripted(() => failure(503, "SERVICE_UNAVAILABLE"));
    const client = new CodeChef({ baseUrl: "http://api.test", fetch, maxRetries: 3 });
    const error = await client.auth
      .signup({ email: "a@example.com", password: "password1", nickname: "al", career: "WORKING" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(calls).toHaveLength(1);
  });

  it("reports a refused connection as a ConnectionError after its retries", async () => {
    const { fetch, calls } = scripted(() => {
      throw new TypeError("fetch failed");
    });
    const client = new CodeChef({ baseUrl: "http://api.test", fetch, maxRetries: 1 });
    await expect(client.users.get(1)).rejects.toBeInstanceOf(ConnectionError);
    expect(calls).toHaveLength(2);
  });

  it("refreshes an expired token once for every call waiting on it", async () => {
    let refreshes = 0;
    const session: Session = { accessToken: "fresh", refreshToken: "r2", expiresIn: 900, user };
    const fetch: Fetch = async (url, init) => {
      if (url.endsWith("/auth/refresh")) {
        refreshes++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return json(200, session);
      }
      const token = new Headers(init.headers).get("authorization");
      return token === "Bearer fresh" ? json(200, user) : failure(401, "TOKEN_EXPIRED");
    };
    const seen: Array<Session | null> = [];
    const client = new CodeChef({
      baseUrl: "http://api.test",
      token: "stale",
      refreshToken: "r1",
      fetch,
      onSession: (s) => seen.push(s),
    });
    const results = await Promise.all(Array.from({ length: 8 }, () => client.users.me()));
    expect(results).toHaveLength(8);
    expect(refreshes).toBe(1);
    expect(client.accessToken).toBe("fresh");
    expect(seen).toEqual([session]);
  });

  it("walks every page of a list", async () => {
    const pages = [
      { items: [user, { ...user, id: 2 }], page: 1, size: 2, total: 3 },
      { items: [{ ...user, id: 3 }], page: 2, size: 2, total: 3 },
    ];
    const { fetch, calls } = scripted(
      () => json(200, pages[0]),
      () => json(200, pages[1]),
    );
    const client = new CodeChef({ baseUrl: "http://api.test", token: "t", fetch });
    const ids: number[] = [];
    for await (const u of client.admin.users.iterate({ size: 2 })) ids.push(u.id);
    expect(ids).toEqual([1, 2, 3]);
    expect(calls.map((c) => new URL(c.url).searchParams.get("page"))).toEqual(["1", "2"]);
  });

  it("exposes Retry-After on a RateLimitError", async () => {
    const { fetch } = scripted(() =>
      json(
        429,
        { error: { code: "RATE_LIMITED", message: "slow", requestId: "r" } },
        { "retry-after": "42" },
      ),
    );
    const client = new CodeChef({ baseUrl: "http://api.test", fetch, maxRetries: 0 });
    const error = await client.auth.login({ email: "a@example.com", password: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(42);
  });
});
