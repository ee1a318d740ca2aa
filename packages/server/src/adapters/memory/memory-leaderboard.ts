import {
  HOUR_MS,
  type HourlyCount,
  type HourWindow,
  type Leaderboard,
  type Ranked,
  type VersionedScore,
} from "../../ports.ts";

type Scores = Map<string, number>;

const hourOf = (at: number) => Math.floor(at / HOUR_MS);

/** Redis's order: score descending, then member descending. */
function isBetter(a: Ranked, b: Ranked): boolean {
  return a.score > b.score || (a.score === b.score && a.member > b.member);
}

/** The best `limit` entries in one pass, without sorting them all. */
export function best(entries: Iterable<[string, number]>, limit: number): Ranked[] {
  const kept: Ranked[] = [];
  for (const [member, score] of entries) {
    const entry = { member, score };
    const worst = kept[kept.length - 1];
    if (kept.length === limit && (!worst || !isBetter(entry, worst))) continue;
    let at = kept.length;
    while (at > 0 && isBetter(entry, kept[at - 1] as Ranked)) at--;
    kept.splice(at, 0, entry);
    if (kept.length > limit) kept.pop();
  }
  return kept;
}

/** The leaderboard port in process memory, for one server process. */
export class MemoryLeaderboard implements Leaderboard {
  readonly name = "leaderboard";
  readonly #retainHours: number;
  readonly #tallies = new Map<string, Map<number, Scores>>();
  readonly #standings = new Map<string, Map<string, { score: number | null; version: number }>>();
  readonly #built = new Map<string, number>();

  /** `retainHours`: the longest window a tally answers for. */
  constructor(retainHours = 24) {
    this.#retainHours = retainHours;
  }

  /** A tally's live buckets; those past the longest window are dropped, as Redis expires them. */
  #buckets(tally: string): Map<number, Scores> {
    let buckets = this.#tallies.get(tally);
    if (!buckets) {
      buckets = new Map();
      this.#tallies.set(tally, buckets);
    }
    const oldest = hourOf(Date.now()) - this.#retainHours;
    for (const hour of buckets.keys()) if (hour < oldest) buckets.delete(hour);
    return buckets;
  }

  #bucket(tally: string, at: number): Scores | undefined {
    const hour = hourOf(at);
    if (hour < hourOf(Date.now()) - this.#retainHours) return undefined;
    const buckets = this.#buckets(tally);
    let bucket = buckets.get(hour);
    if (!bucket) {
      bucket = new Map();
      buckets.set(hour, bucket);
    }
    return bucket;
  }

  async increment(tally: string, member: string, by: number, at: number): Promise<void> {
    const bucket = this.#bucket(tally, at);
    bucket?.set(member, (bucket.get(member) ?? 0) + by);
  }

  async raise(tally: string, counts: HourlyCount[]): Promise<void> {
    for (const { member, hourStart, count } of counts) {
      const bucket = this.#bucket(tally, hourStart);
      if (bucket && count > (bucket.get(member) ?? 0)) bucket.set(member, count);
    }
  }

  async top(tally: string, window: HourWindow, limit: number): Promise<Ranked[]> {
    if (window.hours > this.#retainHours) throw new RangeError(`a tally keeps ${this.#retainHours} hours`);
    const buckets = this.#buckets(tally);
    const last = hourOf(window.now);
    const sums: Scores = new Map();
    for (let hour = last - window.hours; hour <= last; hour++) {
      for (const [member, count] of buckets.get(hour) ?? [])
        sums.set(member, (sums.get(member) ?? 0) + count);
    }
    return best(sums, limit);
  }

  async setScores(standing: string, scores: VersionedScore[]): Promise<void> {
    let members = this.#standings.get(standing);
    if (!members) {
      members = new Map();
      this.#standings.set(standing, members);
    }
    for (const { member, score, version } of scores) {
      const current = members.get(member);
      if (!current || version >= current.version) members.set(member, { score, version });
    }
  }

  async standings(standing: string, limit: number): Promise<Ranked[]> {
    const scored: [string, number][] = [];
    for (const [member, { score }] of this.#standings.get(standing) ?? []) {
      if (score !== null) scored.push([member, score]);
    }
    return best(scored, limit);
  }

  async isBuilt(name: string): Promise<boolean> {
    return (this.#built.get(name) ?? 0) > Date.now();
  }

  async markBuilt(name: string, ttlSeconds: number): Promise<void> {
    this.#built.set(name, Date.now() + ttlSeconds * 1000);
  }

  async ping(): Promise<void> {}
}
