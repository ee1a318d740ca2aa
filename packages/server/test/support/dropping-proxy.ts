import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy that lets the server handle each request in full, then drops the next `drops` responses
 * (the client's connection is destroyed instead): the request happened, the client never learns its outcome.
 */
export async function startDroppingProxy(target: string) {
  const upstream = new URL(target);
  let drops = 0;
  let forwarded = 0;
  const server = createServer((request, response) => {
    const proxied = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          forwarded++;
          if (drops > 0) {
            drops--;
            request.socket.destroy();
            return;
          }
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          response.end(Buffer.concat(chunks));
        });
      },
    );
    proxied.on("error", () => request.socket.destroy());
    request.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Drops the responses of the next `count` requests. */
    drop(count: number) {
      drops = count;
    },
    get forwarded() {
      return forwarded;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
