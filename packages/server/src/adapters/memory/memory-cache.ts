import type { Cache, Versioned, WindowCount } from "../../ports.ts";

interface Entry {
  value: unknown;
  expiresAt: number;
  bytes: number;
}

/** Map and entry bookkeeping, roughly, on top of the key and value themselves. */
const ENTRY_OVERHEAD_BYTES = 100;

/** Roughly what an entry costs in memory: its key and its value as JSON, two bytes a character. */
function sizeOf(key: string, value: unknown): number {
  return ENTRY_OVERHEAD_BYTES + 2 * (key.length + (JSON.stringify(value)?.length ?? 0));
}

/**
 * An in-process LRU cache with per-entry expiry, for one server process, bounded by the approximate bytes its
 * keys and values take: the least recently used entries go first; a value larger than the whole bound is not kept.
 */
export class MemoryCache implements Cache {
  readonly name = "cache";
  readonly #entries = new Map<string, Entry>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes = 64 * 1024 * 1024) {
    this.#maxBytes = maxBytes;
  }

  /** The approximate bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#remove(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  #put(key: string, value: unknown, ttlSeconds: number): void {
    this.#remove(key);
    const bytes = sizeOf(key, value);
    if (bytes > this.#maxBytes) return;
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000, bytes });
    this.#bytes += bytes;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#remove(oldest);
    }
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.#live(key)?.value) as T | undefined;
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.#put(key, structuredClone(value), ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    this.#remove(key);
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
    this.#bytes = 0;
  }
}
