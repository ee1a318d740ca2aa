import { AuthenticationError, ConflictError, PermissionDeniedError, RateLimitError } from "@codechef/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AccessTokens } from "../src/modules/auth/access-tokens.ts";
import { describeEachBackend } from "./support/backends.ts";
import { json } from "./support/community.ts";
import { buildSignup, PASSWORD, raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("accounts", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  it("signs up, logs in, reads me, rotates, revokes the family on reuse, logs out", async () => {
    const { client, user, session, signup } = await signedInUser(server);
    expect(user).toMatchObject({
      email: signup.email,
      nickname: signup.nickname,
      role: "USER",
      status: "ACTIVE",
    });
    expect(await client.users.me()).toEqual(user);
    expect(await client.users.get(user.id)).not.toHaveProperty("email");

    const first = session.refreshToken;
    await client.auth.refresh();
    const second = client.refreshToken;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await client.users.me()).toEqual(user);

    // The rotated token comes back: the whole family is revoked, the current token too.
    const reuse = await raw(server, "POST", "/api/v1/auth/refresh", json({ refreshToken: first }));
    expect(reuse.status).toBe(401);
    const afterRevoke = await raw(server, "POST", "/api/v1/auth/refresh", json({ refreshToken: second }));
    expect(afterRevoke.status).toBe(401);

    const again = await client.auth.login({ email: signup.email, password: PASSWORD });
    await client.auth.logout();
    const loggedOut = await raw(
      server,
      "POST",
      "/api/v1/auth/refresh",
      json({ refreshToken: again.refreshToken }),
    );
    expect(loggedOut.status).toBe(401);
  });

  it("lets exactly one of two concurrent uses of a refresh token win, then revokes the family", async () => {
    const { session } = await signedInUser(server);
    const results = await Promise.all(
      [1, 2].map(() =>
        raw(server, "POST", "/api/v1/auth/refresh", json({ refreshToken: session.refreshToken })),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)?.body.refreshToken;
    expect((await raw(server, "POST", "/api/v1/auth/refresh", json({ refreshToken: winner }))).status).toBe(
      401,
    );
  });

  it("refreshes an expired access token once for many waiting calls", async () => {
    const { client, user } = await signedInUser(server);
    const expired = await new AccessTokens(server.env.JWT_SECRET ?? "", 1).issue(
      user.id,
      "old",
      Date.now() - 10_000,
    );
    const stale = server.client();
    stale.setSession({ accessToken: expired, refreshToken: client.refreshToken ?? "", expiresIn: 0, user });
    const results = await Promise.all(Array.from({ length: 10 }, () => stale.users.me()));
    expect(results.every((me) => me.id === user.id)).toBe(true);
    expect(stale.accessToken).not.toBe(expired);
  });

  it("answers bad input in the documented shape", async () => {
    const malformed = await raw(server, "POST", "/api/v1/auth/signup", {
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: "MALFORMED_JSON", requestId: expect.any(String) });

    const invalid = await raw(
      server,
      "POST",
      "/api/v1/auth/signup",
      json({ email: "nope", password: "short" }),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("INVALID_INPUT");
    expect(invalid.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "body.career",
      "body.email",
      "body.nickname",
      "body.password",
    ]);

    const unsupported = await raw(server, "POST", "/api/v1/auth/login", {
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    expect(unsupported.status).toBe(415);

    const huge = await raw(
      server,
      "POST",
      "/api/v1/auth/signup",
      json({ padding: "x".repeat(1024 * 1024 + 1) }),
    );
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("PAYLOAD_TOO_LARGE");

    const unknown = await raw(server, "GET", "/api/v1/no-such-thing");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
  });

  it("refuses a duplicate email with 409, whatever its case", async () => {
    const signup = buildSignup();
    await server.client().auth.signup(signup);
    const duplicate = server.client().auth.signup({ ...signup, email: signup.email.toUpperCase() });
    await expect(duplicate).rejects.toBeInstanceOf(ConflictError);
    await expect(duplicate).rejects.toMatchObject({ status: 409, code: "EMAIL_TAKEN" });
  });

  it("refuses missing, forged and expired access tokens with 401", async () => {
    const { user, session } = await signedInUser(server);
    const missing = await raw(server, "GET", "/api/v1/users/me");
    expect(missing.body.error.code).toBe("UNAUTHENTICATED");
    const [header, payload] = session.accessToken.split(".");
    const forged = `${header}.${payload}.${"A".repeat(43)}`;
    const other = await new AccessTokens("another secret that is long enough!!", 60).issue(user.id, "other");
    const expired = await new AccessTokens(server.env.JWT_SECRET ?? "", 1).issue(
      user.id,
      "old",
      Date.now() - 10_000,
    );
    for (const token of [forged, other, "garbage", expired]) {
      const response = await raw(server, "GET", "/api/v1/users/me", {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(401);
    }
    const expiredResponse = await raw(server, "GET", "/api/v1/users/me", {
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(expiredResponse.body.error.code).toBe("TOKEN_EXPIRED");
  });

  it("answers a wrong password with 401 and the sixth failure within a minute with 429 and Retry-After", async () => {
    const { signup } = await signedInUser(server);
    const attempt = () =>
      raw(server, "POST", "/api/v1/auth/login", json({ email: signup.email, password: "wrong password" }));
    for (let i = 0; i < 5; i++) {
      const response = await attempt();
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("INVALID_CREDENTIALS");
    }
    const sixth = await attempt();
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
    await expect(
      server.client().auth.login({ email: signup.email, password: PASSWORD }),
    ).rejects.toBeInstanceOf(RateLimitError);
  });

  it("lets at most five of twenty parallel wrong guesses be checked", async () => {
    const { signup } = await signedInUser(server);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        raw(
          server,
          "POST",
          "/api/v1/auth/login",
          json({ email: signup.email, password: "wrong password" }),
        ).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it("clears the failure count when the right password comes", async () => {
    const { signup } = await signedInUser(server);
    const wrong = () =>
      raw(server, "POST", "/api/v1/auth/login", json({ email: signup.email, password: "nope nope" }));
    for (let i = 0; i < 4; i++) expect((await wrong()).status).toBe(401);
    await server.client().auth.login({ email: signup.email, password: PASSWORD });
    for (let i = 0; i < 5; i++) expect((await wrong()).status).toBe(401);
  });

  it("keeps users out of admin routes and lets admins find users", async () => {
    const { client, user } = await signedInUser(server);
    await expect(client.admin.users.list()).rejects.toBeInstanceOf(PermissionDeniedError);
    const admin = await signedInAdmin(server);
    const found = await admin.client.admin.users.list({ query: user.nickname });
    expect(found.items.map((u) => u.id)).toEqual([user.id]);
    expect(found.total).toBe(1);
    for (const wildcard of ["%", "_"]) {
      expect((await admin.client.admin.users.list({ query: wildcard })).total).toBe(0);
    }
    const everyone = [];
    for await (const u of admin.client.admin.users.list({ size: 1 })) everyone.push(u.id);
    expect(everyone).toContain(user.id);
    expect(new Set(everyone).size).toBe(everyone.length);
  });

  it("refuses a blocked account at login, on its access token and on refresh", async () => {
    const { client, signup, user } = await signedInUser(server);
    await server.container.database.db
      .updateTable("users")
      .set({ status: "BLOCKED" })
      .where("id", "=", user.id)
      .execute();
    await expect(client.users.me()).rejects.toMatchObject({ status: 403, code: "ACCOUNT_BLOCKED" });
    await expect(client.auth.refresh()).rejects.toMatchObject({ status: 403, code: "ACCOUNT_BLOCKED" });
    await expect(
      server.client().auth.login({ email: signup.email, password: PASSWORD }),
    ).rejects.toMatchObject({
      status: 403,
      code: "ACCOUNT_BLOCKED",
    });
  });

  it("returns the same user for `me` after the nickname changes", async () => {
    const { client } = await signedInUser(server);
    const updated = await client.users.updateMe({ nickname: "renamed" });
    expect(updated.nickname).toBe("renamed");
    await expect(client.users.updateMe({})).rejects.toMatchObject({ status: 400 });
    await expect(server.client().users.me()).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describeEachBackend("configured admin", (backend) => {
  it("creates the ADMIN_EMAIL account at start, once, and it can use admin routes", async () => {
    const env = { ADMIN_EMAIL: "Root@Example.com", ADMIN_PASSWORD: "admin password" };
    const server = await startTestServer(backend, env);
    try {
      await server.container.services.auth.ensureAdmin(env.ADMIN_EMAIL, env.ADMIN_PASSWORD);
      const client = server.client();
      const session = await client.auth.login({ email: "root@example.com", password: env.ADMIN_PASSWORD });
      expect(session.user.role).toBe("ADMIN");
      const admins = await client.admin.users.list({ query: "root@example.com" });
      expect(admins.total).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it("lets instances that start at once each ensure the admin (one creates it, the others find it)", async () => {
    const server = await startTestServer(backend);
    try {
      const { auth } = server.container.services;
      await Promise.all([1, 2, 3].map(() => auth.ensureAdmin("twins@example.com", "operator password")));
      const session = await server
        .client()
        .auth.login({ email: "twins@example.com", password: "operator password" });
      expect(session.user.role).toBe("ADMIN");
    } finally {
      await server.stop();
    }
  });

  it("takes over an account registered under ADMIN_EMAIL before, with the configured password", async () => {
    const server = await startTestServer(backend);
    try {
      const squatter = buildSignup({ email: "boss@example.com", password: "squatter password" });
      await server.client().auth.signup(squatter);
      await server.container.services.auth.ensureAdmin("boss@example.com", "operator password");
      await expect(
        server.client().auth.login({ email: "boss@example.com", password: "squatter password" }),
      ).rejects.toBeInstanceOf(AuthenticationError);
      const session = await server
        .client()
        .auth.login({ email: "boss@example.com", password: "operator password" });
      expect(session.user).toMatchObject({ role: "ADMIN", status: "ACTIVE" });
    } finally {
      await server.stop();
    }
  });
});
