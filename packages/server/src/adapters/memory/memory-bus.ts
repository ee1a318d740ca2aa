import type { BusMessage, BusTopic, MessageBus } from "../../ports.ts";

type Handler = (topic: BusTopic, message: BusMessage) => void;

/** The bus inside one process: every handler gets every message, asynchronously, in publish order. */
export class MemoryBus implements MessageBus {
  readonly name = "bus";
  readonly #handlers: Handler[] = [];
  #closed = false;

  async publish(topic: BusTopic, message: BusMessage): Promise<void> {
    if (this.#closed) throw new Error("the bus is closed");
    const copy = structuredClone(message);
    queueMicrotask(() => {
      for (const handler of this.#handlers) handler(topic, copy);
    });
  }

  subscribe(handler: Handler): void {
    this.#handlers.push(handler);
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error("the bus is closed");
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handlers.length = 0;
  }
}
