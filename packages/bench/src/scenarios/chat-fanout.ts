import { WebSocket } from "ws";
import { FanOut, type FanOutLoad, wsBroadcastBaseline } from "../baselines.ts";
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

/** The two loads of every fan-out: a burst for deliveries per second, then a steady rate for latency. */
function loads(quick: boolean): { burst: FanOutLoad; steady: FanOutLoad; label: string } {
  const steady = { messages: quick ? 10 : 50, intervalMs: 50 };
  return {
    burst: { messages: quick ? 20 : 100, intervalMs: 0 },
    steady,
    label: `${1000 / steady.intervalMs} msg/s`,
  };
}

/**
 * Chat fan-out in one room: `subscribers` STOMP sessions (ten per member) receive every message sent by one more
 * session, through the in-process bus and through RabbitMQ, beside a bare `ws` broadcast of the same shape. A
 * burst of messages sent at once gives deliveries per second; its latencies are mostly the wait behind the rest
 * of the burst, so latency is measured again with messages sent at a steady 20 a second.
 */
export const chatFanout: Scenario = {
  name: "chat-fanout",
  summary:
    "one room, N subscribers: deliveries/s (a burst) and latency (a steady rate), in-process bus and RabbitMQ, beside a raw ws broadcast",
  async run({ params, services, startServer, log }) {
    const sizes = params.quick ? [20] : [200, 1000];
    const { burst, steady, label: rate } = loads(params.quick);
    const baselines: Record<string, { rps: number; p50: number; p99: number }> = {};
    const results: StrategyResult[] = [];
    for (const subscribers of sizes) {
      const [atOnce, paced] = await wsBroadcastBaseline(subscribers, [burst, steady]);
      if (atOnce && paced) {
        baselines[`ws broadcast ×${subscribers}`] = atOnce;
        baselines[`ws broadcast ×${subscribers}, ${rate}`] = paced;
      }
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
        let current: FanOut | undefined;
        const sockets: WebSocket[] = [];
        for (let i = 0; i < subscribers; i++) {
          const socket = await session(server.url, members[Math.floor(i / 10)] ?? host, (body) => {
            const message = JSON.parse(body) as { type: string; content: string };
            if (message.type === "SEND") current?.delivered(Number(message.content));
          });
          socket.send(frame("SUBSCRIBE", { id: "room", destination: `/topic/chat-room.${room.id}` }));
          sockets.push(socket);
        }
        const sender = await session(server.url, host, () => {});
        sockets.push(sender);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const send = (sentAt: string) =>
          sender.send(
            frame(
              "SEND",
              { destination: `/app/chat-room.${room.id}`, "content-type": "application/json" },
              JSON.stringify({ content: sentAt }),
            ),
          );
        try {
          for (const [load, suffix] of [
            [burst, ""],
            [steady, `, ${rate}`],
          ] as const) {
            const label = `${subscribers} subscribers${suffix}`;
            current = new FanOut(subscribers, load);
            const figure = await current.run(send, `chat-fanout (${bus}, ${label})`);
            log(`${bus} ${label}: ${figure.delivered} deliveries in ${Math.round(figure.ms)} ms`);
            results.push(
              row(
                {
                  strategy: bus,
                  label,
                  correct: figure.delivered === figure.expected,
                  expected: figure.expected,
                  final: figure.delivered,
                  lost: figure.expected - figure.delivered,
                  rps: figure.rps,
                  p50: figure.p50,
                  p99: figure.p99,
                  durationMs: Math.round(figure.ms),
                  baseline: `ws broadcast ×${subscribers}${suffix}`,
                  original: bus === "rabbitmq" ? "RabbitMQ STOMP relay (not measured)" : null,
                },
                baselines,
              ),
            );
          }
        } finally {
          for (const socket of sockets) socket.terminate();
        }
      }
      await server.stop();
    }
    return {
      params: { sizes, burst, steady },
      baselines,
      results,
      seed: null,
      notes: [
        "Every message is stored with its per-room seq before it is published, so a delivery is a committed message; the baseline stores nothing.",
        "Through RabbitMQ each message makes a round trip to the broker (publisher confirm, then the consumer) before the local fan-out.",
        `Deliveries per second are the burst's (${burst.messages} messages sent at once). Its latencies are mostly each message's wait behind the rest of the burst, so the bare broadcast's own p99 grows with it; latency is read from the steady rows (${steady.messages} messages at ${rate}), sent the same way to the baseline.`,
      ],
    };
  },
};
