import { CodeChef, type Fetch } from "@codechef/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachBackend } from "./support/backends.ts";
import { signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("SDK retries of creating calls", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  /** A network that delivers the first POST to the server but loses its answer. */
  function losingFirstAnswer() {
    const posts: Array<string | null> = [];
    const fetchThrough: Fetch = async (url, init) => {
      const response = await fetch(url, init);
      if (init.method !== "POST") return response;
      posts.push(new Headers(init.headers).get("idempotency-key"));
      if (posts.length > 1) return response;
      await response.arrayBuffer();
      throw new TypeError("fetch failed: connection reset after the request was sent");
    };
    return { fetchThrough, posts };
  }

  it("retries a grant whose answer was lost with its automatic key, and the server applies it once", async () => {
    const admin = await signedInAdmin(server);
    const { user } = await signedInUser(server);
    const network = losingFirstAnswer();
    const client = new CodeChef({
      baseUrl: server.url,
      token: admin.session.accessToken,
      fetch: network.fetchThrough,
    });

    const entry = await client.admin.users.grantPoints(user.id, { delta: 5, reason: "retried" });

    expect(network.posts).toHaveLength(2);
    expect(network.posts[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(network.posts[1]).toBe(network.posts[0]);
    const ledger = await server.client().users.points(user.id);
    expect(ledger.balance).toBe(5);
    expect(ledger.items).toEqual([entry]);
  });
});
