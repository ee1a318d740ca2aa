import { afterAll, beforeAll, expect, it } from "vitest";
import { AccessTokens } from "../src/modules/auth/access-tokens.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, json } from "./support/community.ts";
import { PASSWORD, raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { rawStomp } from "./support/realtime.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const errorCode = (frame: string | undefined) => /\ncode:([A-Z_]+)\n/.exec(frame ?? "")?.[1];

describeEachBackend("revocable, strict access tokens", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  const me = (token: string) => raw(server, "GET", "/api/v1/users/me", bearer(token));

  async function stompConnect(token: string) {
    const client = await rawStomp(server);
    client.frame("CONNECT", { "accept-version": "1.2", host: "localhost", Authorization: `Bearer ${token}` });
    const answer = await Promise.race([client.next("CONNECTED"), client.next("ERROR")]);
    client.ws.close();
    return answer ?? "";
  }

  it("refuses an access token right after logout, on REST and on STOMP CONNECT", async () => {
    const { client, session } = await signedInUser(server);
    const other = await signedInUser(server);
    await client.auth.refresh();
    const rotated = client.accessToken ?? "";
    expect((await me(session.accessToken)).status).toBe(200);
    expect((await stompConnect(rotated)).startsWith("CONNECTED")).toBe(true);

    await client.auth.logout();
    for (const token of [session.accessToken, rotated]) {
      const response = await me(token);
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("UNAUTHENTICATED");
      const frame = await stompConnect(token);
      expect(frame.startsWith("ERROR")).toBe(true);
      expect(errorCode(frame)).toBe("UNAUTHENTICATED");
    }
    // Another sign-in of someone else is untouched.
    expect((await me(other.session.accessToken)).status).toBe(200);
  });

  it("keeps refusing a revoked token when the cache lost the revocation (the database decides)", async () => {
    const { client, session } = await signedInUser(server);
    await client.auth.logout();
    const claims = await new AccessTokens(server.env.JWT_SECRET ?? "", 60).verify(session.accessToken);
    await server.container.cache.delete(`revoked-family:${claims.familyId}`);
    expect((await me(session.accessToken)).status).toBe(401);
  });

  it("signs every session out on a password change, and checks the current password", async () => {
    const first = await signedInUser(server);
    const second = server.client();
    await second.auth.login({ email: first.signup.email, password: PASSWORD });
    const change = (currentPassword: string, newPassword: string) =>
      raw(
        server,
        "POST",
        "/api/v1/users/me/password",
        json({ currentPassword, newPassword }, { authorization: `Bearer ${first.session.accessToken}` }),
      );

    const wrong = await change("not my password", "a brand new passphrase");
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("WRONG_PASSWORD");
    const common = await change(PASSWORD, "password");
    expect(common.status).toBe(400);
    expect(common.body.error.details).toEqual([{ path: "body.newPassword", message: expect.any(String) }]);

    expect((await change(PASSWORD, "a brand new passphrase")).status).toBe(204);
    expect((await me(first.session.accessToken)).status).toBe(401);
    expect((await me(second.accessToken ?? "")).status).toBe(401);
    await expect(second.auth.refresh()).rejects.toMatchObject({ status: 401 });
    await expect(
      server.client().auth.login({ email: first.signup.email, password: PASSWORD }),
    ).rejects.toMatchObject({ status: 401 });
    const again = server.client();
    await again.auth.login({ email: first.signup.email, password: "a brand new passphrase" });
    expect((await again.users.me()).id).toBe(first.user.id);
  });

  it("revokes the access tokens of a blocked account, and they stay revoked after an unblock", async () => {
    const admin = await signedInAdmin(server);
    const { user, session } = await signedInUser(server);
    for (let i = 0; i < 3; i++) await admin.client.admin.users.warn(user.id, { reason: "spam" });
    expect((await me(session.accessToken)).status).toBe(403);
    await admin.client.admin.users.unblock(user.id);
    expect((await me(session.accessToken)).status).toBe(401);
  });

  it("refuses every other spelling of a valid token", async () => {
    const { session } = await signedInUser(server);
    const token = session.accessToken;
    const [header, payload, signature = ""] = token.split(".");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = signature.at(-1) ?? "A";
    // The last character of a 32-byte signature carries two unused bits: flipping one decodes to the same bytes.
    const unusedBit = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    expect(Buffer.from(unusedBit, "base64url")).toEqual(Buffer.from(signature, "base64url"));
    expect((await me(token)).status).toBe(200);
    for (const variant of [
      `${token}.extra`,
      `${token}.a.b`,
      `${token}==`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload}.${unusedBit}`,
    ]) {
      expect((await me(variant)).status, variant).toBe(401);
    }
  });

  it("takes query numbers in decimal digits only", async () => {
    for (const query of ["size=1e2", "page=0x10", "size=+5", "page=%205", "size=1.0", "page=-1"]) {
      const response = await raw(server, "GET", `/api/v1/boards?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe("INVALID_INPUT");
    }
    expect((await raw(server, "GET", "/api/v1/boards?page=2&size=10")).body).toMatchObject({
      page: 2,
      size: 10,
    });
  });
});
