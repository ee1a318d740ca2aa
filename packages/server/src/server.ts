import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.ts";
import type { Container } from "./container.ts";
import { attachStompServer } from "./realtime/stomp-server.ts";

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then closes the container. */
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
  const stop = () => {
    stopping ??= (async () => {
      realtime.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(
        () => server.closeAllConnections(),
        container.config.shutdownTimeout * 1000,
      );
      await closed;
      clearTimeout(deadline);
      await container.close();
    })();
    return stopping;
  };
  return { server, url: `http://${shownHost}:${address.port}`, stop } satisfies RunningServer;
}
