import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.ts";
import type { Container } from "./container.ts";
import { attachStompServer } from "./realtime/stomp-server.ts";

export interface RunningServer {
  server: Server;
  url: string;
  /**
   * Stops accepting connections, answers the requests and STOMP frames in flight (up to the shutdown timeout),
   * closes STOMP sessions with an ERROR telling clients to reconnect, then closes the container (the outbox keeps
   * what is not relayed, for the instance that takes the lease).
   */
  stop(): Promise<void>;
}

export async function startServer(
  container: Container,
  port = container.config.port,
  host = container.config.host,
) {
  const app = createApp(container);
  const server = createServer(app.callback());
  server.requestTimeout = 30_000;
  const realtime = attachStompServer(server, {
    ...container.realtime,
    auth: container.services.auth,
    allowedOrigins: container.config.allowedOrigins,
    logger: container.logger,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  let stopping: Promise<void> | undefined;
  // A keep-alive client sending more during the drain is told to take its next request elsewhere.
  server.on("request", (_, response) => {
    if (stopping) response.setHeader("Connection", "close");
  });
  const stop = () => {
    stopping ??= (async () => {
      const timeoutMs = container.config.shutdownTimeout * 1000;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
      await realtime.close(timeoutMs);
      await closed;
      clearTimeout(deadline);
      await container.close();
    })();
    return stopping;
  };
  return { server, url: `http://${shownHost}:${address.port}`, stop } satisfies RunningServer;
}
