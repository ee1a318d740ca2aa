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

/**
 * A key-value cache. Reads and writes never fail a request: when the backing service is down they behave as a
 * miss and a no-op. Counters are different: they throw `ServiceUnavailableError` so the caller decides.
 */
export interface Cache extends Probe {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Counts one hit in a fixed window that starts at the first hit. */
  hit(key: string, windowSeconds: number): Promise<WindowCount>;
  /** The current window's count without adding to it. */
  count(key: string): Promise<WindowCount>;
  close(): Promise<void>;
}
