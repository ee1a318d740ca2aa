/** The interfaces services depend on; `container.ts` picks an adapter for each from the configuration. */

/** Something `/ready` asks whether it answers. */
export interface Probe {
  readonly name: string;
  ping(): Promise<void>;
}

export interface WindowCount {
  count: number;
  /** Seconds until the window that began with the first hit ends. */
  resetInSeconds: number;
}

export interface Versioned<T> {
  version: number;
  value: T;
}

/**
 * A key-value cache. Reads and writes never fail a request: when the backing service is down they behave as a
 * miss and a no-op. Counters are different: they throw `ServiceUnavailableError` so the caller decides.
 */
export interface Cache extends Probe {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** A value stored by `setVersioned`, with its version. */
  getVersioned<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Stores `value` as `version` unless the entry already holds that version or a newer one, in one atomic step:
   * a slow reader can never put back an older version after a writer stored a newer one. True when stored.
   */
  setVersioned(key: string, version: number, value: unknown, ttlSeconds: number): Promise<boolean>;
  /** Counts one hit in a fixed window that starts at the first hit. */
  hit(key: string, windowSeconds: number): Promise<WindowCount>;
  /** The current window's count without adding to it. */
  count(key: string): Promise<WindowCount>;
  close(): Promise<void>;
}

/** What the bus carries: the chat and notification exchanges, and session revocations. */
export type BusTopic = "chat" | "notification" | "session";

export interface BusMessage {
  /** Unique per message; consumers drop a repeat (delivery is at least once). */
  id: string;
  body: unknown;
}

/**
 * Publish/subscribe between server instances. Every instance receives every message, its own included, at least
 * once, and delivers it to its local sessions.
 */
export interface MessageBus extends Probe {
  /** Resolves once the bus holds the message (the broker confirmed it); rejects when it cannot take it now. */
  publish(topic: BusTopic, message: BusMessage): Promise<void>;
  subscribe(handler: (topic: BusTopic, message: BusMessage) => void): void;
  close(): Promise<void>;
}
