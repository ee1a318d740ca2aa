import { chatRoomSendDestination } from "@codechef/contract";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RealtimeLimits } from "../src/realtime/session.ts";
import { describeEachBackend, describeWithServices } from "./support/backends.ts";
import { signedInUser } from "./support/factories.ts";
import { connectRaw, eventually, rawStomp, until } from "./support/realtime.ts";
import { startTestServer, startWithEnv, type TestServer, testEnvironment } from "./support/test-server.ts";

const header = (frame: string | undefined, name: string) =>
  new RegExp(`\n${name}:([^\n]*)\n`).exec(frame ?? "")?.[1];

/** Runs `work` with some limits changed on every instance. */
async function withLimits(
  servers: TestServer[],
  changes: Partial<RealtimeLimits>,
  work: () => Promise<void>,
) {
  const saved = servers.map((s) => ({ ...s.container.realtime.limits }));
  for (const s of servers) Object.assign(s.container.realtime.limits, changes);
  try {
    await work();
  } finally {
    for (const [i, s] of servers.entries()) Object.assign(s.container.realtime.limits, saved[i]);
  }
}

/** The per-user limits, with the user's two sessions on `first` and `second` (one instance or two). */
function perUserLimits(instances: () => [TestServer, TestServer]) {
  it("limits a user's SENDs across their sessions, not per session", async () => {
    const [first, second] = instances();
    await withLimits([first, second], { userMessages: { limit: 3, windowSeconds: 60 } }, async () => {
      const host = await signedInUser(first);
      const room = await host.client.chat.rooms.create({ title: "chatty" });
      const a = await connectRaw(first, host.session.accessToken);
      const b = await connectRaw(second, host.session.accessToken);
      const say = (client: typeof a, receipt: string) =>
        client.frame(
          "SEND",
          { destination: chatRoomSendDestination(room.id), receipt },
          JSON.stringify({ content: receipt }),
        );
      for (const receipt of ["r1", "r2", "r3"]) say(a, receipt);
      await eventually(
        () => a.received.filter((f) => f.startsWith("RECEIPT\n")).length,
        (n) => n === 3,
      );
      say(b, "r4");
      const refused = await b.next("ERROR");
      expect(header(refused, "code")).toBe("RATE_LIMITED");
      expect(header(refused, "status")).toBe("429");
      expect(header(refused, "receipt-id")).toBe("r4");
      expect(Number(header(refused, "retry-after"))).toBeGreaterThanOrEqual(1);
      const history = await host.client.chat.rooms.messages(room.id);
      expect(history.items.filter((m) => m.type === "SEND").map((m) => m.content)).toEqual([
        "r1",
        "r2",
        "r3",
      ]);
      a.ws.close();
    });
  });

  it("limits a user's open sessions, and frees a place when one closes", async () => {
    const [first, second] = instances();
    await withLimits([first, second], { sessionsPerUser: 2 }, async () => {
      const { session } = await signedInUser(first);
      const a = await connectRaw(first, session.accessToken);
      await connectRaw(second, session.accessToken);
      const third = await rawStomp(first);
      third.frame("CONNECT", { "accept-version": "1.2", Authorization: `Bearer ${session.accessToken}` });
      const refused = await third.next("ERROR");
      expect(header(refused, "code")).toBe("TOO_MANY_SESSIONS");
      expect(header(refused, "status")).toBe("429");
      expect(third.received.some((f) => f.startsWith("CONNECTED"))).toBe(false);
      a.ws.close();
      await a.closed;
      await until(async () => {
        const again = await rawStomp(second);
        again.frame("CONNECT", { "accept-version": "1.2", Authorization: `Bearer ${session.accessToken}` });
        const answer = await eventually(
          () => again.received.find((f) => /^(CONNECTED|ERROR)\n/.test(f)),
          Boolean,
        );
        again.ws.close();
        return answer?.startsWith("CONNECTED") ?? false;
      });
    });
  });
}

describeEachBackend("realtime limits", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  it("clamps the heart-beat intervals a client asks for, both ways", async () => {
    const { session } = await signedInUser(server);
    const client = await rawStomp(server);
    client.frame("CONNECT", {
      "accept-version": "1.2",
      "heart-beat": "3000000000,3000000000",
      Authorization: `Bearer ${session.accessToken}`,
    });
    expect(await client.next("CONNECTED")).toContain("heart-beat:10000,10000\n");
    // Unclamped, Node runs such a timer every millisecond: hundreds of heart-beats by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.received.filter((frame) => frame === "\n")).toEqual([]);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.close();
  });

  it("answers a WebSocket message over 1 MiB with an ERROR before closing", async () => {
    const { session } = await signedInUser(server);
    const client = await connectRaw(server, session.accessToken);
    client.send(`SEND\ndestination:/app/x\n\n${"x".repeat(1536 * 1024)}\0`);
    const error = await client.next("ERROR");
    expect(header(error, "code")).toBe("FRAME_TOO_LARGE");
    expect(header(error, "status")).toBe("413");
    await client.closed;
  });

  perUserLimits(() => [server, server]);
});

describeWithServices("realtime limits across two instances sharing Redis", () => {
  let first: TestServer;
  let second: TestServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const environment = await testEnvironment("services");
    cleanup = environment.cleanup;
    first = await startWithEnv(environment.env);
    second = await startWithEnv(environment.env);
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await cleanup?.();
  });

  perUserLimits(() => [first, second]);
});
