import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { REALTIME_PATH } from "@codechef/contract";
import { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../logger.ts";
import { type SessionDeps, StompSession } from "./session.ts";

const SUBPROTOCOL = "v12.stomp";
/** The largest WebSocket message; frames are limited separately (and may span messages). */
const MAX_PAYLOAD = 1024 * 1024;
/** How long clients get to answer the close after their ERROR before their sockets are cut. */
const CLOSE_GRACE_MS = 1000;
/** ws's close code for a message over `maxPayload`. */
const MESSAGE_TOO_BIG = 1009;

/**
 * ws closes a connection as soon as a message announces more than `maxPayload`, before any of it is read, and the
 * close frame leaves first. This socket lets the session send its ERROR frame just ahead of that close.
 */
class StompWebSocket extends WebSocket {
  onMessageTooBig: (() => void) | undefined;

  override close(code?: number, reason?: string | Buffer): void {
    if (code === MESSAGE_TOO_BIG && this.readyState === this.OPEN) this.onMessageTooBig?.();
    super.close(code, reason);
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * STOMP over WebSocket on the API's http.Server: upgrades on `/ws` only, from an allowed Origin when one is sent
 * (non-browser clients send none). The token comes in CONNECT, or as `?token=` for browsers.
 */
export function attachStompServer(
  server: Server,
  deps: SessionDeps & { allowedOrigins: string[]; logger: Logger },
): { close(timeoutMs: number): Promise<void> } {
  const sessions = new Set<StompSession>();
  let closing = false;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(MAX_PAYLOAD, deps.limits.maxFrameBytes),
    WebSocket: StompWebSocket,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== REALTIME_PATH) return refuse(socket, 404, "Not Found");
    if (closing) return refuse(socket, 503, "Service Unavailable");
    const origin = request.headers.origin;
    if (origin && !deps.allowedOrigins.includes(origin)) return refuse(socket, 403, "Forbidden");
    wss.handleUpgrade(request, socket, head, (ws) => {
      const session = new StompSession(ws, url.searchParams.get("token") ?? undefined, deps);
      (ws as StompWebSocket).onMessageTooBig = () => session.messageTooLarge(MAX_PAYLOAD);
      sessions.add(session);
      ws.on("close", () => sessions.delete(session));
    });
  });

  return {
    /**
     * Shuts every session down (see `StompSession.shutDown`) and waits for the clients to close, then cuts
     * whatever is left once `timeoutMs` have passed.
     */
    async close(timeoutMs) {
      closing = true;
      const waited = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
      const gone = Promise.all(
        [...wss.clients].map((ws) => new Promise((resolve) => ws.once("close", resolve))),
      );
      await Promise.race([
        Promise.all([...sessions].map((session) => session.shutDown())),
        waited(timeoutMs),
      ]);
      await Promise.race([gone, waited(CLOSE_GRACE_MS)]);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
