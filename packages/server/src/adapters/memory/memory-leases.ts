import type { Leases } from "../../ports.ts";

/** The leases port in this process: holder → expiry (epoch ms) per key. */
export class MemoryLeases implements Leases {
  readonly #keys = new Map<string, Map<string, number>>();

  async acquire(key: string, holder: string, limit: number, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    const holders = this.#keys.get(key) ?? new Map<string, number>();
    for (const [other, expiresAt] of holders) if (expiresAt <= now) holders.delete(other);
    if (!holders.has(holder) && holders.size >= limit) return false;
    holders.set(holder, now + ttlSeconds * 1000);
    this.#keys.set(key, holders);
    return true;
  }

  async release(key: string, holder: string): Promise<void> {
    const holders = this.#keys.get(key);
    holders?.delete(holder);
    if (holders?.size === 0) this.#keys.delete(key);
  }
}
