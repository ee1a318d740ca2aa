import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BadRequestError,
  CodeChef,
  ConnectionError,
  type Fetch,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  ServiceUnavailableError,
  type Session,
  TimeoutError,
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
const board = { id: 9, title: "t" };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

const failure = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message: code, requestId: "r1" } }, headers);

type Answer = (url: string, init: RequestInit) => Response | Promise<Response>;

/** A fetch that answers from a script (the last answer repeats), recording what was asked. */
function scripted(...answers: Answer[]) {
  const calls: Array<{ url: string; init: RequestInit; headers: Headers }> = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({ url, init, headers: new Headers(init.headers) });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (!answer) throw new Error("no scripted answer");
    return answer(url, init);
  };
  return { fetch, calls };
}

/** Never answers; rejects as fetch does when the request's signal aborts. */
const hang: Answer = (_, init) =>
  new Promise((_resolve, reject) =>
    init.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true }),
  );
const refused: Answer = () => {
  throw new TypeError("fetch failed");
};

const api = (fetch: Fetch, options: { maxRetries?: number } = {}) =>
  new CodeChef({ baseUrl: "http://api.test/", token: "t0", fetch, maxRetries: 2, ...options });
const signup = { email: "a@example.com", password: "password1", nickname: "al", career: "WORKING" } as const;

describe("requests", () => {
  it("builds the URL, encodes path parameters and sends the token only where the endpoint takes one", async () => {
    const { fetch, calls } = scripted(() => json(200, user));
    const client = api(fetch);
    await client.users.get(42);
    await client.users.me();
    expect(calls[0]?.url).toBe("http://api.test/api/v1/users/42");
    expect(calls[0]?.headers.get("authorization")).toBeNull();
    expect(calls[1]?.headers.get("authorization")).toBe("Bearer t0");
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
      () => new Response("<html>bad gateway</html>", { status: 502, headers: { "x-request-id": "px" } }),
    );
    const client = api(fetch, { maxRetries: 0 });
    const notFound = await client.users.get(1).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound).toMatchObject({ status: 404, code: "NOT_FOUND", requestId: "r1" });
    const invalid = await client.users.get(1).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(BadRequestError);
    expect(invalid).toMatchObject({ details: [{ path: "body.x", message: "m" }] });
    const proxy = await client.users.get(1).catch((e: unknown) => e);
    expect(proxy).toBeInstanceOf(InternalServerError);
    expect(proxy).toMatchObject({ status: 502, code: "HTTP_ERROR", requestId: "px" });
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
});

describe("retries", () => {
  it.each([429, 500, 502, 503, 504])("retries a GET answered %i", async (status) => {
    const { fetch, calls } = scripted(
      () => failure(status, "X", { "retry-after": "0" }),
      () => json(200, user),
    );
    expect(await api(fetch).users.get(1)).toEqual(user);
    expect(calls).toHaveLength(2);
  });

  it("retries PUT and DELETE, and GETs on a refused connection, up to maxRetries", async () => {
    const put = scripted(() => failure(503, "SERVICE_UNAVAILABLE", { "retry-after": "0" }));
    await expect(api(put.fetch).users.setCategories({ categoryIds: [1] })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    expect(put.calls.map((c) => c.init.method)).toEqual(["PUT", "PUT", "PUT"]);

    const del = scripted(
      () => failure(500, "INTERNAL", { "retry-after": "0" }),
      () => new Response(null, { status: 204 }),
    );
    await api(del.fetch).boards.delete(3);
    expect(del.calls).toHaveLength(2);

    const get = scripted(refused, refused, () => json(200, user));
    const client = api(get.fetch, { maxRetries: 1 });
    await expect(client.users.get(1)).rejects.toBeInstanceOf(ConnectionError);
    expect(get.calls).toHaveLength(2);
  });

  it("never retries a PATCH or a POST the server does not deduplicate", async () => {
    const patch = scripted(() => failure(503, "SERVICE_UNAVAILABLE", { "retry-after": "0" }));
    await expect(api(patch.fetch).boards.update(1, { title: "x" })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    const login = scripted(refused);
    await expect(
      api(login.fetch).auth.login({ email: "a@example.com", password: "x" }),
    ).rejects.toBeInstanceOf(ConnectionError);
    const adopt = scripted(() => failure(502, "X", { "retry-after": "0" }));
    await expect(api(adopt.fetch).comments.adopt(1, { idempotencyKey: "k" })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect([patch.calls.length, login.calls.length, adopt.calls.length]).toEqual([1, 1, 1]);
  });

  it("sends a random key on every creating call and the same key on each of its retries", async () => {
    const { fetch, calls } = scripted(
      refused,
      () => failure(503, "SERVICE_UNAVAILABLE", { "retry-after": "0" }),
      () => json(201, board),
    );
    const client = api(fetch);
    expect(await client.boards.create({ title: "t", contents: "c" })).toEqual(board);
    const keys = calls.map((c) => c.headers.get("idempotency-key"));
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(keys).size).toBe(1);

    const next = scripted(() => json(201, {}));
    await api(next.fetch).auth.signup(signup);
    await api(next.fetch).comments.create(9, { contents: "hi" });
    const [signupKey, commentKey] = next.calls.map((c) => c.headers.get("idempotency-key"));
    expect(signupKey).toMatch(/^[0-9a-f]{32}$/);
    expect(commentKey).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set([keys[0], signupKey, commentKey]).size).toBe(3);
  });

  it("waits for the first request of a key that is still running (409 IDEMPOTENCY_KEY_IN_USE)", async () => {
    const { fetch, calls } = scripted(
      () => failure(409, "IDEMPOTENCY_KEY_IN_USE", { "retry-after": "0" }),
      () => json(201, board),
    );
    expect(await api(fetch).boards.create({ title: "t", contents: "c" })).toEqual(board);
    expect(calls).toHaveLength(2);
    const other = scripted(() => failure(409, "CONFLICT", { "retry-after": "0" }));
    await expect(api(other.fetch).boards.create({ title: "t", contents: "c" })).rejects.toMatchObject({
      status: 409,
      code: "CONFLICT",
    });
    expect(other.calls).toHaveLength(1);
  });

  it("uses the caller's idempotency key, also after a token refresh", async () => {
    const session: Session = { accessToken: "fresh", refreshToken: "r2", expiresIn: 900, user };
    const { fetch, calls } = scripted(
      () => failure(401, "TOKEN_EXPIRED"),
      () => json(200, session),
      () => json(201, board),
    );
    const client = new CodeChef({ baseUrl: "http://api.test", token: "old", refreshToken: "r1", fetch });
    await client.chat.rooms.create({ title: "room" }, { idempotencyKey: "mine-1" });
    expect(
      calls.map((c) => [c.url.replace("http://api.test/api/v1", ""), c.headers.get("idempotency-key")]),
    ).toEqual([
      ["/chat/rooms", "mine-1"],
      ["/auth/refresh", null],
      ["/chat/rooms", "mine-1"],
    ]);
  });

  it("takes maxRetries and timeoutMs per request", async () => {
    const { fetch, calls } = scripted(hang);
    const client = api(fetch, { maxRetries: 5 });
    const error = await client.users.get(1, { timeoutMs: 20, maxRetries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ status: 0, code: "TIMEOUT" });
    expect((error as Error).message).toMatch(/20 ms/);
    expect(calls).toHaveLength(2);
  });

  it("reports a Retry-After beyond 60 s at once, with its wait", async () => {
    const { fetch, calls } = scripted(() => failure(429, "RATE_LIMITED", { "retry-after": "120" }));
    const error = await api(fetch)
      .users.get(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(120);
    expect(calls).toHaveLength(1);
  });

  it("waits a Retry-After given as an HTTP date", async () => {
    const soon = new Date(Date.now() + 1000).toUTCString();
    const { fetch, calls } = scripted(
      () => failure(503, "SERVICE_UNAVAILABLE", { "retry-after": soon }),
      () => json(200, user),
    );
    expect(await api(fetch).users.get(1)).toEqual(user);
    expect(calls).toHaveLength(2);
  });

  it("ends a Retry-After wait when the caller aborts, without asking again", async () => {
    const { fetch, calls } = scripted(() => failure(503, "SERVICE_UNAVAILABLE", { "retry-after": "30" }));
    const controller = new AbortController();
    const reason = new Error("user gave up");
    const pending = api(fetch).users.get(1, { signal: controller.signal });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(calls).toHaveLength(1);
  });

  it("rejects with the abort reason when the caller aborts a request in flight", async () => {
    const { fetch } = scripted(hang);
    const controller = new AbortController();
    const pending = api(fetch).users.get(1, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("connection errors in a browser", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("says when a cross-origin request was probably refused by CORS", async () => {
    vi.stubGlobal("document", {});
    vi.stubGlobal("location", { origin: "http://app.test" });
    const { fetch } = scripted(refused);
    const error = await api(fetch, { maxRetries: 0 })
      .users.get(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ likelyCors: true });
    expect((error as Error).message).toMatch(/http:\/\/app\.test .*CORS.*ALLOWED_ORIGINS/);
  });

  it("does not suspect CORS for a same-origin page or outside a browser", async () => {
    const { fetch } = scripted(refused);
    const client = api(fetch, { maxRetries: 0 });
    await expect(client.users.get(1)).rejects.toMatchObject({ likelyCors: false });
    vi.stubGlobal("document", {});
    vi.stubGlobal("location", { origin: "http://api.test" });
    const error = await client.users.get(1).catch((e: unknown) => e);
    expect(error).toMatchObject({ likelyCors: false });
    expect((error as Error).message).not.toMatch(/CORS/);
  });
});
