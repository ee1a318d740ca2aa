import { WebSocket } from "ws";
import { percentiles, wsBroadcastBaseline } from "../baselines.ts";
import type { StrategyResult } from "../results.ts";
import { row, type Scenario } from "../scenario.ts";
import { json, seed } from "./support.ts";

const frame = (command: string, headers: Record<string, string>, body = "") =>
  `${command}\n${Object.entries(headers)
    .map(([k, v]) => `${k}:${v}`)
    .join("\n")}\n\n${body}\0`;

/** A raw STOMP session (no client library between the figure and the wire). */
async function session(url: string, token: string, onMessage: (body: string) => void): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace("http", "ws")}/ws`, "v12.stomp");
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const connected = new Promise<void>((resolve, reject) => {
    socket.on("message", (data) => {
      const text = String(data);
      if (text.startsWith("CONNECTED")) resolve();
      else if (text.startsWith("ERROR")) reject(new Error(text));
      else if (text.startsWith("MESSAGE"))
        onMessage(text.slice(text.indexOf("\n\n") + 2, text.lastIndexOf("\0")));
    });
  });
  socket.send(
    frame("CONNECT", {
      "accept-version": "1.2",
      host: "codechef",
      "heart-beat": "0,0",
      Authorization: `Bearer ${token}`,
    }),
  );
  await connected;
  return socket;
}

/** Seeded users with a sign-in each: argon2 sign-ups would measure password hashing, not the fan-out. */
async function signedIn(base: string, count: number): Promise<string[]> {
  const { firstUser } = await seed(base, { users: count, index: false });
  return (await json<{ tokens: string[] }>(base, "POST", "/api/v1/lab/tokens", { firstUser, count })).tokens;
}

/**
 * Chat fan-out in one room: `subscribers` STOMP sessions (ten per member) receive each of `messages` messages
 * sent by one more session, through the in-process bus and through RabbitMQ. Deliveries per second, and
 * send-to-delivery latency, beside a bare `ws` broadcast of the same shape.
 */
export const chatFanout: Scenario = {
  name: "chat-fanout",
  summary:
    "one room, N subscribers: deliveries/s and latency, in-process bus and RabbitMQ, beside a raw ws broadcast",
  async run({ params, services, startServer, log }) {
    const sizes = params.quick ? [20] : [200, 1000];
    const messages = params.quick ? 20 : 100;
    const baselines: Record<string, { rps: number; p50: number; p99: number }> = {};
    const results: StrategyResult[] = [];
    for (const subscribers of sizes) {
      baselines[`ws broadcast ×${subscribers}`] = await wsBroadcastBaseline(subscribers, messages);
    }
    for (const bus of ["in-process", "rabbitmq"] as const) {
      const server = await startServer({
        ...(bus === "rabbitmq" && { AMQP_URL: services.amqpUrl }),
        REALTIME_MESSAGES_PER_SECOND: "100000",
        REALTIME_SESSIONS_PER_USER: "100",
        REALTIME_USER_MESSAGES_PER_SECOND: "100000",
        REALTIME_MAX_BUFFERED_BYTES: String(64 * 1024 * 1024),
      });
      for (const subscribers of sizes) {
        const [host = "", ...members] = await signedIn(server.url, 1 + Math.ceil(subscribers / 10));
        const room = await json<{ id: number }>(
          server.url,
          "POST",
          "/api/v1/chat/rooms",
          { title: "fan-out" },
          host,
        );
        for (const token of members)
          await json(server.url, "POST", `/api/v1/chat/rooms/${room.id}/members`, undefined, token);
        const latencies: number[] = [];
        let delivered = 0;
        let lastDelivery = 0;
        const expected = subscribers * messages;
        const done = Promise.withResolvers<void>();
        const sockets: WebSocket[] = [];
        for (let i = 0; i < subscribers; i++) {
          const socket = await session(server.url, members[Math.floor(i / 10)] ?? host, (body) => {
            const message = JSON.parse(body) as { type: string; content: string };
            if (message.type !== "SEND") return;
            latencies.push(performance.now() - Number(message.content));
            lastDelivery = performance.now();
            if (++delivered === expected) done.resolve();
          });
          socket.send(frame("SUBSCRIBE", { id: "room", destination: `/topic/chat-room.${room.id}` }));
          sockets.push(socket);
        }
        const sender = await session(server.url, host, () => {});
        sockets.push(sender);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const started = performance.now();
        for (let i = 0; i < messages; i++) {
          sender.send(
            frame(
              "SEND",
              { destination: `/app/chat-room.${room.id}`, "content-type": "application/json" },
              JSON.stringify({ content: String(performance.now()) }),
            ),
          );
        }
        const timeout = setTimeout(
          () =>
            done.reject(
              new Error(
                `chat-fanout (${bus}, ${subscribers}): ${delivered} of ${expected} delivered after 60 s`,
              ),
            ),
          60_000,
        );
        try {
          await done.promise;
        } finally {
          clearTimeout(timeout);
          for (const socket of sockets) socket.terminate();
        }
        const ms = lastDelivery - started;
        const rps = Math.round((delivered / ms) * 1000);
        log(`${bus} ×${subscribers}: ${delivered} deliveries in ${Math.round(ms)} ms`);
        results.push(
          row(
            {
              strategy: bus,
              label: `${subscribers} subscribers`,
              correct: delivered === expected,
              expected,
              final: delivered,
              lost: expected - delivered,
              rps,
              ...percentiles(latencies),
              durationMs: Math.round(ms),
              baseline: `ws broadcast ×${subscribers}`,
              original: bus === "rabbitmq" ? "RabbitMQ STOMP relay (not measured)" : null,
            },
            baselines,
          ),
        );
      }
      await server.stop();
    }
    return {
      params: { sizes, messages },
      baselines,
      results,
      seed: null,
      notes: [
        "Every message is stored with its per-room seq before it is published, so a delivery is a committed message; the baseline stores nothing.",
        "Through RabbitMQ each message makes a round trip to the broker (publisher confirm, then the consumer) before the local fan-out.",
      ],
    };
  },
};
