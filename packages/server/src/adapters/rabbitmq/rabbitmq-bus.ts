import { randomUUID } from "node:crypto";
import { type Channel, type ChannelModel, type ConfirmChannel, connect } from "amqplib";
import type { Logger } from "../../logger.ts";
import { BUS_TOPICS, type BusMessage, type BusTopic, type MessageBus } from "../../ports.ts";

type Handler = (topic: BusTopic, message: BusMessage) => void;

const TOPICS: readonly BusTopic[] = BUS_TOPICS;
const CONFIRM_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 2000;
const CLOSE_TIMEOUT_MS = 2000;
/** How long the broker keeps an instance's queue with no consumer: the longest link loss that costs nothing. */
const QUEUE_EXPIRES_MS = 60_000;
/** Seconds between heartbeats unless the URL sets `heartbeat`: a link that goes silent is dropped within two. */
const HEARTBEAT_SECONDS = 5;

/** The broker URL with the heartbeat this bus wants, unless the operator chose one. */
function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has("heartbeat")) parsed.searchParams.set("heartbeat", String(HEARTBEAT_SECONDS));
  return parsed.toString();
}

interface Link {
  connection: ChannelModel;
  publisher: ConfirmChannel;
  consumer: Channel;
}

/**
 * The bus on RabbitMQ: one durable fanout exchange per topic (`{prefix}.{topic}`), and per instance a durable
 * queue bound to all of them. The queue outlives the instance's link (a dropped connection, a broker restart), so
 * what other instances publish before this one is back waits for it; it is deleted on close, or by the broker
 * once unused for QUEUE_EXPIRES_MS. Publishes wait for the broker's confirm. Any connection or channel failure
 * drops the whole link and reconnects with back-off; publishes fail fast meanwhile, so callers (the outbox relay)
 * keep the message and retry.
 */
export class RabbitMqBus implements MessageBus {
  readonly name = "rabbitmq";
  readonly #url: string;
  readonly #prefix: string;
  readonly #logger: Logger;
  /** This instance's queue. */
  readonly queue: string;
  readonly #handlers: Handler[] = [];
  #link: Link | undefined;
  #connecting: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #closed = false;
  /** Set while the publisher's write buffer is full; later publishes wait for 'drain'. */
  #drained: Promise<void> | undefined;

  constructor(url: string, keyPrefix: string, logger: Logger) {
    this.#url = withHeartbeat(url);
    this.#prefix = keyPrefix;
    this.#logger = logger;
    this.queue = `${keyPrefix}.instance.${randomUUID()}`;
  }

  exchange(topic: BusTopic): string {
    return `${this.#prefix}.${topic}`;
  }

  /** Connects once; on failure keeps retrying in the background (the server starts degraded, `/ready` says so). */
  start(): Promise<void> {
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    let connection: ChannelModel | undefined;
    try {
      // Without noDelay, Nagle holds a publish or an ack behind unacknowledged bytes: at 1,000 subscribers a
      // chat message waited about 100 ms for the broker (bench chat-fanout, steady rate).
      connection = await connect(this.#url, { timeout: 2000, noDelay: true });
      // Without listeners an 'error' event would kill the process; 'close' follows it and handles the loss.
      connection.on("error", (error: Error) =>
        this.#logger.warn("amqp connection error", { error: error.message }),
      );
      connection.on("close", () => this.#lost(connection));
      const publisher = await connection.createConfirmChannel();
      const consumer = await connection.createChannel();
      for (const channel of [publisher, consumer]) {
        channel.on("error", (error: Error) =>
          this.#logger.warn("amqp channel error", { error: error.message }),
        );
        // A server-side channel error closes only the channel: drop the connection so the link is rebuilt whole.
        channel.on("close", () => connection?.close().catch(() => {}));
      }
      for (const topic of TOPICS) {
        await publisher.assertExchange(this.exchange(topic), "fanout", { durable: true });
      }
      await consumer.assertQueue(this.queue, { durable: true, expires: QUEUE_EXPIRES_MS });
      for (const topic of TOPICS) await consumer.bindQueue(this.queue, this.exchange(topic), "");
      await consumer.prefetch(500);
      await consumer.consume(this.queue, (delivery) => {
        if (!delivery) {
          // The broker cancelled the consumer (its queue was deleted): rebuild the link, queue included.
          connection?.close().catch(() => {});
          return;
        }
        this.#deliver(delivery.fields.exchange, delivery.content);
        consumer.ack(delivery);
      });
      if (this.#closed) {
        await connection.close();
        return;
      }
      this.#link = { connection, publisher, consumer };
      this.#attempt = 0;
      this.#logger.info("amqp connected", { queue: this.queue });
    } catch (error) {
      this.#logger.warn("amqp connect failed", { error: (error as Error).message });
      await connection?.close().catch(() => {});
      this.#scheduleReconnect();
    }
  }

  #deliver(exchange: string, content: Buffer): void {
    const topic = TOPICS.find((t) => this.exchange(t) === exchange);
    if (!topic) return;
    let message: BusMessage;
    try {
      message = JSON.parse(content.toString("utf8")) as BusMessage;
    } catch {
      this.#logger.warn("amqp message is not JSON; dropped", { exchange });
      return;
    }
    for (const handler of this.#handlers) handler(topic, message);
  }

  #lost(connection: ChannelModel | undefined): void {
    if (this.#link?.connection !== connection) return;
    this.#link = undefined;
    this.#drained = undefined;
    if (!this.#closed) {
      this.#logger.warn("amqp connection lost; reconnecting");
      this.#scheduleReconnect();
    }
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.#attempt++) * (0.5 + Math.random() / 2);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.start();
    }, delay);
    this.#retryTimer.unref();
  }

  async publish(topic: BusTopic, message: BusMessage): Promise<void> {
    if (this.#drained) await this.#drained;
    const link = this.#link;
    if (!link) throw new Error("amqp is not connected");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("amqp confirm timed out")), CONFIRM_TIMEOUT_MS);
      const written = link.publisher.publish(
        this.exchange(topic),
        "",
        Buffer.from(JSON.stringify(message)),
        { messageId: message.id, persistent: true, contentType: "application/json" },
        (error: unknown) => {
          clearTimeout(timer);
          if (error) reject(error instanceof Error ? error : new Error(`amqp nack: ${String(error)}`));
          else resolve();
        },
      );
      // false means buffered, not failed: hold later publishes until the channel drains.
      if (!written && !this.#drained) {
        this.#drained = new Promise<void>((done) => {
          const release = () => {
            this.#drained = undefined;
            done();
          };
          link.publisher.once("drain", release);
          link.publisher.once("close", release);
        });
      }
    });
  }

  subscribe(handler: Handler): void {
    this.#handlers.push(handler);
  }

  /** A round trip to the broker (the caller bounds how long it may take): a link that exists may still be dead. */
  async ping(): Promise<void> {
    if (!this.#link) throw new Error("amqp is not connected");
    await this.#link.consumer.checkExchange(this.exchange("chat"));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    await this.#connecting;
    const link = this.#link;
    this.#link = undefined;
    if (!link) return;
    // A connection whose socket died may never see its close-ok: don't let shutdown wait on it.
    const gaveUp = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
    const leave = async () => {
      await link.consumer.deleteQueue(this.queue).catch(() => {});
      await link.connection.close().catch(() => {});
    };
    await Promise.race([leave(), gaveUp]);
  }
}
