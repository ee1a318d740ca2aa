import { endpoints, isCreating, openApiDocument } from "@codechef/contract";
import etagOf from "etag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, json } from "./support/community.ts";
import { raw, signedInUser } from "./support/factories.ts";
import { specProblems } from "./support/spec-check.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const ALLOWED = "https://app.example.com";

describe("HTTP conventions", () => {
  let server: TestServer;
  let user: Awaited<ReturnType<typeof signedInUser>>;
  beforeAll(async () => {
    server = await startTestServer("embedded", { ALLOWED_ORIGINS: `${ALLOWED}, https://other.example.com` });
    user = await signedInUser(server);
  });
  afterAll(() => server?.stop());

  const preflight = (origin: string) =>
    fetch(`${server.url}/api/v1/boards`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, idempotency-key",
      },
    });

  it("answers a preflight and a request from an allowed origin, without credentials", async () => {
    const answer = await preflight(ALLOWED);
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(answer.headers.get("access-control-allow-methods")).toContain("POST");
    const allowedHeaders = answer.headers.get("access-control-allow-headers")?.toLowerCase().split(",") ?? [];
    expect(allowedHeaders).toEqual(
      expect.arrayContaining(["authorization", "content-type", "idempotency-key", "if-none-match"]),
    );
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();

    const created = await raw(
      server,
      "POST",
      "/api/v1/boards",
      bearer(user.session.accessToken, json({ title: "cors", contents: "c" }, { origin: ALLOWED })),
    );
    expect(created.status).toBe(201);
    expect(created.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(created.headers.get("access-control-expose-headers")?.split(",")).toEqual(
      expect.arrayContaining(["X-Request-Id", "Retry-After", "Location", "ETag"]),
    );
    expect(created.headers.get("vary")).toContain("Origin");
  });

  it("gives another origin no CORS headers, so the browser refuses it", async () => {
    const answer = await preflight("https://evil.example.com");
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    expect(answer.headers.get("access-control-allow-methods")).toBeNull();
    const read = await raw(server, "GET", "/api/v1/boards", {
      headers: { origin: "https://evil.example.com" },
    });
    expect(read.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers 405 with Allow for a known path and a wrong method, 404 for an unknown path", async () => {
    const wrong = await raw(server, "PUT", "/api/v1/boards");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, POST");
    expect(wrong.body.error).toMatchObject({ code: "METHOD_NOT_ALLOWED", requestId: expect.any(String) });
    const item = await raw(server, "POST", "/api/v1/boards/1");
    expect([item.status, item.headers.get("allow")]).toEqual([405, "GET, PATCH, DELETE"]);
    expect((await raw(server, "POST", "/health")).status).toBe(405);
    const unknown = await raw(server, "GET", "/api/v1/nothing-here");
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "NOT_FOUND"]);
  });

  it("routes a trailing slash like none, answers OPTIONS with Allow, and HEAD on /health but not on the API", async () => {
    expect((await raw(server, "GET", "/api/v1/boards/")).status).toBe(200);
    const options = await fetch(`${server.url}/api/v1/boards/1`, { method: "OPTIONS" });
    expect([options.status, options.headers.get("allow")]).toEqual([200, "GET, PATCH, DELETE"]);
    const health = await fetch(`${server.url}/health`, { method: "HEAD" });
    expect([health.status, await health.text()]).toEqual([200, ""]);
    const board = await fetch(`${server.url}/api/v1/boards`, { method: "HEAD" });
    expect([board.status, board.headers.get("allow")]).toEqual([405, "GET, POST"]);
  });

  it("sends the body its ETag was taken from, and 304 for it", async () => {
    const first = await fetch(`${server.url}/api/v1/boards`);
    const tag = first.headers.get("etag") ?? "";
    expect(tag).toMatch(/^W\/"/);
    expect(first.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const text = await first.text();
    expect(tag).toBe(etagOf(text, { weak: true }));
    const again = await fetch(`${server.url}/api/v1/boards`, { headers: { "if-none-match": tag } });
    expect([again.status, await again.text()]).toEqual([304, ""]);
  });

  it("answers Location with the created resource's URL", async () => {
    const created = await raw(
      server,
      "POST",
      "/api/v1/boards",
      bearer(user.session.accessToken, json({ title: "here", contents: "c" })),
    );
    const location = created.headers.get("location") ?? "";
    expect(location).toBe(`/api/v1/boards/${created.body.id}`);
    expect((await raw(server, "GET", location)).body.title).toBe("here");
    for (const [name, e] of endpoints().filter(([, e]) => isCreating(e))) {
      expect([name, e.location]).toEqual([name, expect.stringMatching(/^\//)]);
    }
  });

  it("answers an ETag on reads and 304 for a current If-None-Match; a new board changes it", async () => {
    const first = await fetch(`${server.url}/api/v1/boards`);
    const tag = first.headers.get("etag") ?? "";
    expect(tag).toMatch(/^W\/"/);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const again = await fetch(`${server.url}/api/v1/boards`, { headers: { "if-none-match": tag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    await user.client.boards.create({ title: "changes the list", contents: "c" });
    const changed = await fetch(`${server.url}/api/v1/boards`, { headers: { "if-none-match": tag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(tag);

    const me = await raw(server, "GET", "/api/v1/users/me", bearer(user.session.accessToken));
    expect(me.headers.get("cache-control")).toBe("private, no-cache");
  });

  it("gives a board read no ETag: every read counts a view and answers the new count", async () => {
    const board = await user.client.boards.create({ title: "viewed", contents: "c" });
    const read = await raw(server, "GET", `/api/v1/boards/${board.id}`);
    expect(read.headers.get("etag")).toBeNull();
  });
});

describe("checking responses against the OpenAPI document", () => {
  const exchange = {
    method: "GET",
    path: "/api/v1/categories",
    status: 200,
    headers: { "x-request-id": "r", etag: 'W/"1"' },
    body: JSON.stringify([{ id: 1, type: "LANGUAGE", name: "Go" }]),
  };

  it("accepts a response as documented", () => {
    expect(specProblems(exchange)).toEqual([]);
  });

  it("finds a wrong body, an undeclared status, a missing header and an unknown error code", () => {
    expect(specProblems({ ...exchange, body: JSON.stringify([{ id: "1", type: "X", name: "Go" }]) })).toEqual(
      [expect.stringContaining("GET /api/v1/categories → 200: data/0/id must be integer")],
    );
    expect(specProblems({ ...exchange, status: 418 })).toEqual([
      expect.stringContaining("status not declared"),
    ]);
    expect(specProblems({ ...exchange, headers: { "x-request-id": "r" } })).toEqual([
      expect.stringContaining("no ETag header"),
    ]);
    const error = (code: string) => JSON.stringify({ error: { code, message: "m", requestId: "r" } });
    expect(
      specProblems({
        ...exchange,
        path: "/api/v1/boards/1",
        method: "DELETE",
        status: 409,
        body: error("CONFLICT"),
      }),
    ).toEqual([expect.stringContaining("409")]);
    expect(
      specProblems({
        ...exchange,
        path: "/api/v1/categories/1",
        method: "DELETE",
        status: 409,
        body: error("CATEGORY_IN_USE"),
      }),
    ).toEqual([]);
  });

  it("describes every endpoint, and the realtime one", () => {
    const document = openApiDocument("test");
    expect(Object.keys(document.paths)).toContain("/ws");
    const operations = Object.values(document.paths).flatMap((ops) => Object.keys(ops));
    expect(operations).toHaveLength(endpoints().length + 1);
  });
});
