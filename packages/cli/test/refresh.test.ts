import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachBackend } from "../../server/test/support/backends.ts";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.ts";
import { buildCli, Cli } from "./support.ts";

const PASSWORD = "correct horse battery";
const TTL_SECONDS = 2;

describeEachBackend("refreshing an expired session from many processes at once", (backend) => {
  let server: TestServer;
  let cli: Cli;

  beforeAll(async () => {
    await buildCli();
    server = await startTestServer(backend, { ACCESS_TOKEN_TTL: String(TTL_SECONDS) });
    cli = new Cli(server.url);
    await server
      .client()
      .auth.signup({ email: "racer@example.com", password: PASSWORD, nickname: "racer", career: "WORKING" });
  });

  afterAll(async () => {
    await server?.stop();
    cli?.cleanup();
  });

  it("ten `auth status` with an expired access token all succeed and the session stays valid", async () => {
    // Given a stored session whose access token has expired
    await cli.ok(["auth", "login", "--email", "racer@example.com", "--password-stdin"], { input: PASSWORD });
    const hosts = () => JSON.parse(readFileSync(join(cli.configDir, "hosts.json"), "utf8")).hosts[server.url];
    const before = hosts();
    await new Promise((resolve) => setTimeout(resolve, (TTL_SECONDS + 1) * 1000));

    // When ten processes start at once, each needing a refresh
    const results = await Promise.all(Array.from({ length: 10 }, () => cli.run(["auth", "status"])));

    // Then every one succeeds: none spent a refresh token another had already rotated (which revokes the family)
    expect(results.map((r) => [r.code, r.stderr])).toEqual(Array.from({ length: 10 }, () => [0, ""]));
    for (const result of results) expect(result.stdout).toContain("\tracer\tracer@example.com\t");
    const after = hosts();
    expect(after.refreshToken).not.toBe(before.refreshToken);

    // And the stored session still works, refresh included, after the race
    await new Promise((resolve) => setTimeout(resolve, (TTL_SECONDS + 1) * 1000));
    expect((await cli.run(["auth", "status"])).code).toBe(0);
    const refreshed = await server.client().auth.login({ email: "racer@example.com", password: PASSWORD });
    expect(refreshed.user.nickname).toBe("racer");
  });

  it("a refresh token spent twice revokes the family (what the lock prevents)", async () => {
    const first = await server.client().auth.login({ email: "racer@example.com", password: PASSWORD });
    const a = server.client();
    const b = server.client();
    a.setSession(first);
    b.setSession(first);
    await a.auth.refresh();
    await expect(b.auth.refresh()).rejects.toMatchObject({ status: 401 });
    await expect(a.auth.refresh()).rejects.toMatchObject({ status: 401 });
  });
});
