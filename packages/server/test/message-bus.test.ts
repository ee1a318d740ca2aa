import { randomBytes } from "node:crypto";
import { connect } from "amqplib";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryBus } from "../src/adapters/memory/memory-bus.ts";
import { RabbitMqBus } from "../src/adapters/rabbitmq/rabbitmq-bus.ts";
import { jsonLogger } from "../src/logger.ts";
import type { BusMessage, BusTopic, MessageBus } from "../src/ports.ts";
import { serviceUrls } from "./support/backends.ts";
import { eventually, until } from "./support/realtime.ts";
import { startTcpProxy, throughProxy } from "./support/tcp-proxy.ts";

const logger = jsonLogger("silent");
const amqpUrl = serviceUrls.amqp;

interface Adapter {
  name: string;
  available: boolean;
  /** Buses of one deployment: each is one server instance. */
  create(count: number): Promise<MessageBus[]>;
}

const adapters: Adapter[] = [
  {
    name: "memory",
    available: true,
    async create(count) {
      // One process has one in-process bus; "instances" share it.
      const bus = new MemoryBus();
      return Array.from({ length: count }, () => bus);
    },
  },
  {
    name: "rabbitmq",
    available: Boolean(amqpUrl),
    async create(count) {
      const prefix = `test:${randomBytes(4).toString("hex")}`;
      const buses = Array.from({ length: count }, () => new RabbitMqBus(amqpUrl ?? "", prefix, logger));
      await Promise.all(buses.map((bus) => bus.start()));
      return buses;
    },
  },
];

function listen(bus: MessageBus) {
  const received: Array<{ topic: BusTopic; message: BusMessage }> = [];
  bus.subscribe((topic, message) => received.push({ topic, message }));
  return received;
}

const opened: MessageBus[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((bus) => bus.close()));
});

for (const adapter of adapters) {
  (adapter.available ? describe : describe.skip)(`message bus contract [${adapter.name}]`, () => {
    it("delivers every topic to every instance, the publisher's own included, in publish order", async () => {
      const [a, b] = await adapter.create(2);
      if (!a || !b) throw new Error("two buses expected");
      opened.push(a, b);
      const atA = listen(a);
      const atB = a === b ? atA : listen(b);
      await a.ping();
      const sent: Array<[BusTopic, BusMessage]> = [
        ["chat", { id: "m1", body: { n: 1 } }],
        ["notification", { id: "m2", body: { n: 2, text: "가나다" } }],
        ["session", { id: "m3", body: { userId: 7 } }],
      ];
      for (const [topic, message] of sent) await a.publish(topic, message);
      for (const received of a === b ? [atA] : [atA, atB]) {
        await eventually(
          () => received.length,
          (n) => n === 3,
        );
        expect(received.map((r) => [r.topic, r.message])).toEqual(sent);
      }
    });

    it("fails publish and ping once closed", async () => {
      const [bus] = await adapter.create(1);
      if (!bus) throw new Error("a bus expected");
      await bus.close();
      await expect(bus.ping()).rejects.toThrow();
      await expect(bus.publish("chat", { id: "x", body: null })).rejects.toThrow();
    });
  });
}

(amqpUrl ? describe : describe.skip)("RabbitMQ bus failures", () => {
  it("survives a server-side channel error (its exchange deleted under it) and publishes again", async () => {
    const bus = new RabbitMqBus(amqpUrl ?? "", `test:${randomBytes(4).toString("hex")}`, logger);
    opened.push(bus);
    await bus.start();
    const received = listen(bus);
    const admin = await connect(amqpUrl ?? "");
    try {
      const channel = await admin.createChannel();
      await channel.deleteExchange(bus.exchange("chat"));
    } finally {
      await admin.close();
    }
    await expect(bus.publish("chat", { id: "into-the-void", body: 0 })).rejects.toThrow();

    let attempt = 0;
    await until(() =>
      bus.publish("chat", { id: `retry-${attempt++}`, body: 1 }).then(
        () => true,
        () => false,
      ),
    );
    await eventually(
      () => received.map((r) => r.message.id),
      (ids) => ids.some((id) => id.startsWith("retry-")),
    );
  });

  it("rejects publishes while the broker is unreachable, then reconnects and delivers again", async () => {
    const target = new URL(amqpUrl ?? "");
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5672));
    const bus = new RabbitMqBus(
      throughProxy(amqpUrl ?? "", proxy.port),
      `test:${randomBytes(4).toString("hex")}`,
      logger,
    );
    opened.push(bus);
    try {
      await bus.start();
      const received = listen(bus);
      await bus.publish("chat", { id: "before", body: 1 });
      await eventually(
        () => received.length,
        (n) => n === 1,
      );

      const up = () =>
        bus.ping().then(
          () => true,
          () => false,
        );
      proxy.cut();
      await until(async () => !(await up()));
      await expect(bus.publish("chat", { id: "during", body: 2 })).rejects.toThrow();

      proxy.restore();
      await until(up);
      await bus.publish("chat", { id: "after", body: 3 });
      await eventually(
        () => received.map((r) => r.message.id),
        (ids) => ids.includes("after"),
      );
      expect(received.map((r) => r.message.id)).toEqual(["before", "after"]);
    } finally {
      await proxy.close();
    }
  });
});
