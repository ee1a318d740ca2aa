import { CodeChef, ConnectionError, type RealtimeError } from "@codechef/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachBackend } from "./support/backends.ts";
import { signedInUser } from "./support/factories.ts";
import { collector, eventually } from "./support/realtime.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("the SDK across access-token expiry", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { ACCESS_TOKEN_TTL: "2" });
  });
  afterAll(() => server?.stop());

  /** A signed-in user on a client of its own with a quick reconnect. */
  async function member() {
    const { session } = await signedInUser(server);
    const client = new CodeChef({ baseUrl: server.url, maxRetries: 0, realtime: { reconnectDelayMs: 50 } });
    client.setSession(session);
    return client;
  }

  it("refreshes when the server ends the session with TOKEN_EXPIRED and delivers every message once, in order", async () => {
    const [host, guest] = [await member(), await member()];
    const room = await host.chat.rooms.create({ title: "expiring" });
    const entry = await guest.chat.rooms.join(room.id);
    const firstToken = guest.accessToken;
    const errors: RealtimeError[] = [];
    guest.realtime.on("error", (error) => errors.push(error));
    let connects = 0;
    guest.realtime.on("connect", () => connects++);
    const heard = collector();
    await guest.realtime.subscribeRoom(room.id, heard.push, { after: entry.messages.at(-1)?.seq });

    const sent: string[] = [];
    // A send whose receipt was lost with the expiring session is sent again and may be stored twice.
    const resent = new Set<string>();
    const until = Date.now() + 5000;
    for (let i = 0; Date.now() < until; i++) {
      const content = `message ${i}`;
      for (;;) {
        try {
          await host.realtime.send(room.id, { content });
          break;
        } catch (error) {
          if (!(error instanceof ConnectionError)) throw error;
          resent.add(content);
        }
      }
      sent.push(content);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const said = () =>
      heard.messages
        .filter((m) => m.type === "SEND")
        .map((m) => m.content)
        .filter((content, i, all) => !(resent.has(content) && all[i - 1] === content));
    await eventually(said, (contents) => contents.length >= sent.length);
    expect(said()).toEqual(sent);
    const seqs = heard.messages.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(errors.map((e) => [e.status, e.code])).toContainEqual([401, "TOKEN_EXPIRED"]);
    expect(connects).toBeGreaterThanOrEqual(2);
    expect(guest.accessToken).not.toBe(firstToken);
    await host.realtime.disconnect();
    await guest.realtime.disconnect();
  });
});
