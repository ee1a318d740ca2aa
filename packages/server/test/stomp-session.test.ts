import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { MemoryBus } from "../src/adapters/memory/memory-bus.ts";
import { MemoryCache } from "../src/adapters/memory/memory-cache.ts";
import { MemoryLeases } from "../src/adapters/memory/memory-leases.ts";
import { jsonLogger } from "../src/logger.ts";
import type { AuthService } from "../src/modules/auth/service.ts";
import type { Cache, Leases } from "../src/ports.ts";
import type { DestinationPolicy } from "../src/realtime/destinations.ts";
import { RealtimeHub } from "../src/realtime/hub.ts";
import { DEFAULT_LIMITS, StompSession } from "../src/realtime/session.ts";
import { serializeFrame } from "../src/realtime/stomp-frames.ts";
import { ServiceUnavailableError } from "../src/shared/errors.ts";
import type { UserRow } from "../src/shared/user-row.ts";
import { eventually } from "./support/realtime.ts";

/** The part of a server-side WebSocket a session uses, with its flow control visible. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  isPaused = false;
  readonly sent: string[] = [];

  send(data: string): void {
    this.sent.push(data);
  }
  pause(): void {
    this.isPaused = true;
  }
  resume(): void {
    this.isPaused = false;
  }
  close(): void {
    this.readyState = 3;
    this.emit("close");
  }
  terminate(): void {
    this.close();
  }
  receive(command: string, headers: Record<string, string>, body = ""): void {
    this.emit("message", Buffer.from(serializeFrame({ command, headers, body })));
  }
}

const user = { id: 7, status: "ACTIVE", role: "USER" } as UserRow;

describe("a STOMP session's incoming frames", () => {
  it("pauses the socket while too many frames wait to be handled, and resumes once they drain", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handled: string[] = [];
    const policy: DestinationPolicy = {
      authorizeSubscribe: async () => {},
      send: async (_, __, bodies) => {
        await held;
        handled.push(...bodies);
        return { stored: bodies.length };
      },
    };
    const socket = new FakeSocket();
    const logger = jsonLogger("silent");
    new StompSession(socket as unknown as WebSocket, undefined, {
      auth: {
        authenticate: async () => user,
        authenticateSession: async () => ({ user, expiresAt: Date.now() + 60_000 }),
      } as unknown as AuthService,
      policy,
      hub: new RealtimeHub(new MemoryBus(), logger, {
        enqueue: () => Promise.reject(new Error("no revocations in these tests")),
      }),
      cache: new MemoryCache(),
      leases: new MemoryLeases(),
      limits: { ...DEFAULT_LIMITS, userMessages: { limit: 1000, windowSeconds: 1 } },
      logger,
    });
    socket.receive("CONNECT", { "accept-version": "1.2", Authorization: "Bearer t" });
    await eventually(
      () => socket.sent.length,
      (n) => n === 1,
    );

    const total = 100;
    for (let i = 0; i < total; i++) socket.receive("SEND", { destination: "/app/chat-room.1" }, String(i));
    expect(socket.isPaused).toBe(true);
    release();
    await eventually(
      () => handled.length,
      (n) => n === total,
    );
    expect(handled).toEqual(Array.from({ length: total }, (_, i) => String(i)));
    expect(socket.isPaused).toBe(false);
    socket.close();
  });

  it("while Redis is down, counts the user's sessions on this instance and lets SENDs through", async () => {
    const down = () => Promise.reject(new ServiceUnavailableError("redis", "down"));
    const logger = jsonLogger("silent");
    const sent: string[] = [];
    const deps = {
      auth: {
        authenticate: async () => user,
        authenticateSession: async () => ({ user, expiresAt: Date.now() + 60_000 }),
      } as unknown as AuthService,
      policy: {
        authorizeSubscribe: async () => {},
        send: async (_, __, bodies) => ({ stored: sent.push(...bodies) && bodies.length }),
      },
      hub: new RealtimeHub(new MemoryBus(), logger, {
        enqueue: () => Promise.reject(new Error("no revocations in these tests")),
      }),
      cache: { hit: down } as unknown as Cache,
      leases: { acquire: down, release: down } as unknown as Leases,
      limits: { ...DEFAULT_LIMITS, sessionsPerUser: 1 },
      logger,
    } satisfies ConstructorParameters<typeof StompSession>[2];
    const [first, second] = [new FakeSocket(), new FakeSocket()];
    for (const socket of [first, second]) {
      new StompSession(socket as unknown as WebSocket, undefined, deps);
      socket.receive("CONNECT", { "accept-version": "1.2", Authorization: "Bearer t" });
      await eventually(
        () => socket.sent.length,
        (n) => n === 1,
      );
    }
    expect(first.sent[0]).toMatch(/^CONNECTED\n/);
    expect(second.sent[0]).toMatch(/^ERROR\n/);
    expect(second.sent[0]).toContain("\ncode:TOO_MANY_SESSIONS\n");
    first.receive("SEND", { destination: "/app/chat-room.1", receipt: "r" }, "hello");
    await eventually(
      () => first.sent.length,
      (n) => n === 2,
    );
    expect(first.sent[1]).toMatch(/^RECEIPT\n/);
    expect(sent).toEqual(["hello"]);
  });
});
