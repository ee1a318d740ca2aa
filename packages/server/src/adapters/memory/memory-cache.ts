import type { Cache, Versioned, WindowCount } from "../../ports.ts";

interface Entry {
  value: unknown;
  expiresAt: number;
}

/** An in-process LRU cache with per-entry expiry, for one server process. */
export class MemoryCache implements Cache {
  readonly name = "cache";
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  #put(key: string, value: unknown, ttlSeconds: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.#live(key)?.value) as T | undefined;
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.#put(key, structuredClone(value), ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async getVersioned<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.get<Versioned<T>>(key);
  }

  async setVersioned(key: string, version: number, value: unknown, ttlSeconds: number): Promise<boolean> {
    const current = this.#live(key)?.value as Versioned<unknown> | undefined;
    if (current && current.version >= version) return false;
    this.#put(key, structuredClone({ version, value }), ttlSeconds);
    return true;
  }

  async hit(key: string, windowSeconds: number): Promise<WindowCount> {
    const entry = this.#live(key);
    if (!entry) {
      this.#put(key, 1, windowSeconds);
      return { count: 1, resetInSeconds: windowSeconds };
    }
    entry.value = (entry.value as number) + 1;
    return { count: entry.value as number, resetInSeconds: (entry.expiresAt - Date.now()) / 1000 };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
