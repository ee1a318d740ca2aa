import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { REALTIME_PATH } from "@codechef/contract";
import { WebSocketServer } from "ws";
import type { Logger } from "../logger.ts";
import { type SessionDeps, StompSession } from "./session.ts";

const SUBPROTOCOL = "v12.stomp";
/** WebSocket messages up to this size reach the STOMP layer, which answers an oversize frame with an ERROR. */
const MAX_PAYLOAD = 1024 * 1024;

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
): { close(): void } {
  const sessions = new Set<StompSession>();
  const wss = new WebSocketServer({
    noServer: true,
    // A hard bound well above the STOMP limit, so an oversize frame gets an ERROR frame rather than a bare close.
    maxPayload: Math.max(MAX_PAYLOAD, deps.limits.maxFrameBytes * 2),
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== REALTIME_PATH) return refuse(socket, 404, "Not Found");
    const origin = request.headers.origin;
    if (origin && !deps.allowedOrigins.includes(origin)) return refuse(socket, 403, "Forbidden");
    wss.handleUpgrade(request, socket, head, (ws) => {
      const session = new StompSession(ws, url.searchParams.get("token") ?? undefined, deps);
      sessions.add(session);
      ws.on("close", () => sessions.delete(session));
    });
  });

  return {
    close() {
      for (const session of sessions) session.shutDown();
      wss.close();
    },
  };
}
