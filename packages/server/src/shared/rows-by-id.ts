import { LRUCache } from "lru-cache";

/**
 * A read-through cache of rows by id, each kept `ttlMs` (absent rows too, so a deleted id is not asked for again
 * and again). `forget` drops a row at once; a load that overlapped a `forget` answers but stores nothing.
 */
export class RowsById<Row extends { id: number }> {
  readonly #load: (ids: number[]) => Promise<Row[]>;
  readonly #rows: LRUCache<number, { row: Row | undefined }>;
  #forgets = 0;

  constructor(
    load: (ids: number[]) => Promise<Row[]>,
    { ttlMs, max = 10_000 }: { ttlMs: number; max?: number },
  ) {
    this.#load = load;
    this.#rows = new LRUCache({ max, ttl: ttlMs });
  }

  /** The rows of those `ids` that exist, in the order of `ids`. */
  async get(ids: number[]): Promise<Row[]> {
    const found = new Map<number, Row | undefined>();
    const missing: number[] = [];
    for (const id of ids) {
      const hit = this.#rows.get(id);
      if (hit) found.set(id, hit.row);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const forgets = this.#forgets;
      const loaded = new Map((await this.#load(missing)).map((row) => [row.id, row]));
      for (const id of missing) {
        found.set(id, loaded.get(id));
        if (forgets === this.#forgets) this.#rows.set(id, { row: loaded.get(id) });
      }
    }
    return ids.flatMap((id) => {
      const row = found.get(id);
      return row ? [row] : [];
    });
  }

  forget(id: number): void {
    this.#forgets++;
    this.#rows.delete(id);
  }
}
