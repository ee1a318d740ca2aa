import { type AddressInfo, connect, createServer, type Socket } from "node:net";

/**
 * A TCP load balancer for tests: each client connection goes to the next upstream port in turn, skipping one
 * that refuses it (an instance shutting down), as nginx's `proxy_next_upstream error` does. `route(ports)`
 * changes the upstreams (an instance restarted on a new port).
 */
export async function startRoundRobin(initial: number[]) {
  let upstreams = [...initial];
  let next = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };

  const forward = (client: Socket, tries: number) => {
    if (tries === 0 || upstreams.length === 0) return client.destroy();
    const port = upstreams[next++ % upstreams.length] as number;
    const upstream = connect(port, "127.0.0.1");
    let connected = false;
    upstream.once("error", () => {
      if (!connected) forward(client, tries - 1);
    });
    upstream.once("connect", () => {
      connected = true;
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  };
  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    forward(client, upstreams.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route(ports: number[]) {
      upstreams = [...ports];
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
