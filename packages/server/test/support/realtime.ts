import type { ChatMessage } from "@codechef/contract";
import WebSocket from "ws";
import { serializeFrame } from "../../src/realtime/stomp-frames.ts";
import type { TestServer } from "./test-server.ts";

/** Resolves when `check` holds, polling; rejects after `timeoutMs` with what was last seen. */
export async function eventually<T>(
  read: () => T,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (check(value)) return value;
    if (Date.now() > until)
      throw new Error(`condition not met; last value: ${JSON.stringify(value)}`.slice(0, 500));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Collects a room's messages as the SDK delivers them. */
export function collector() {
  const messages: ChatMessage[] = [];
  return { messages, push: (message: ChatMessage) => messages.push(message) };
}

/** A raw STOMP client for the frames the SDK would never send. */
export async function rawStomp(server: TestServer, path = "/ws", headers: Record<string, string> = {}) {
  const ws = new WebSocket(server.url.replace(/^http/, "ws") + path, ["v12.stomp"], { headers });
  const received: string[] = [];
  const closed = new Promise<{ code: number }>((resolve) => ws.on("close", (code) => resolve({ code })));
  ws.on("message", (data: Buffer) => received.push(data.toString("utf8")));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
  return {
    ws,
    received,
    closed,
    send: (text: string) => ws.send(text),
    frame: (command: string, frameHeaders: Record<string, string> = {}, body = "") =>
      ws.send(serializeFrame({ command, headers: frameHeaders, body })),
    /** Waits for a received frame whose text starts with the command. */
    next: (command: string) => eventually(() => received.find((f) => f.startsWith(`${command}\n`)), Boolean),
  };
}

export async function connectRaw(server: TestServer, token: string) {
  const client = await rawStomp(server);
  client.frame("CONNECT", { "accept-version": "1.2", host: "localhost", Authorization: `Bearer ${token}` });
  await client.next("CONNECTED");
  return client;
}

/** Resolves when the async `check` answers true, polling; rejects after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
