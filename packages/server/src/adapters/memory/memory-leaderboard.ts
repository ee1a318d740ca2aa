import {
  HOUR_MS,
  type HourlyCount,
  type HourWindow,
  type Leaderboard,
  type Ranked,
  type VersionedScore,
} from "../../ports.ts";

type Scores = Map<string, number>;

interface Tally {
  buckets: Map<number, Scores>;
  /** Per window read, the sum of its buckets, by `{hours}:{last hour}`: kept equal as counts arrive. */
  sums: Map<string, { hours: number; last: number; scores: Scores }>;
  /** The last answers, valid until the next write. */
  answers: Map<string, Ranked[]>;
}

interface Standing {
  members: Map<string, { score: number | null; version: number }>;
  answers: Map<number, Ranked[]>;
}

const hourOf = (at: number) => Math.floor(at / HOUR_MS);

/** Redis's order: score descending, then member descending. */
function isBetter(a: Ranked, b: Ranked): boolean {
  return a.score > b.score || (a.score === b.score && a.member > b.member);
}

/** The best `limit` entries in one pass, without sorting them all. */
function best(entries: Iterable<[string, number]>, limit: number): Ranked[] {
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

function add(scores: Scores, member: string, by: number): void {
  scores.set(member, (scores.get(member) ?? 0) + by);
}

/** The leaderboard port in process memory, for one server process. Answers are copies. */
export class MemoryLeaderboard implements Leaderboard {
  readonly name = "leaderboard";
  readonly #retainHours: number;
  readonly #tallies = new Map<string, Tally>();
  readonly #standings = new Map<string, Standing>();
  readonly #built = new Map<string, number>();

  /** `retainHours`: the longest window a tally answers for. */
  constructor(retainHours = 24) {
    this.#retainHours = retainHours;
  }

  /** A tally without the buckets and sums that have left every window, as Redis expires them. */
  #tally(name: string): Tally {
    let tally = this.#tallies.get(name);
    if (!tally) {
      tally = { buckets: new Map(), sums: new Map(), answers: new Map() };
      this.#tallies.set(name, tally);
    }
    const now = hourOf(Date.now());
    for (const hour of tally.buckets.keys()) if (hour < now - this.#retainHours) tally.buckets.delete(hour);
    for (const [key, sum] of tally.sums) {
      if (sum.last >= now - 1) continue;
      tally.sums.delete(key);
      tally.answers.clear();
    }
    return tally;
  }

  /** Adds to one bucket and to every sum that holds it; counts older than the longest window are dropped. */
  #add(tally: Tally, member: string, hour: number, amount: (current: number) => number): void {
    if (hour < hourOf(Date.now()) - this.#retainHours) return;
    let bucket = tally.buckets.get(hour);
    if (!bucket) {
      bucket = new Map();
      tally.buckets.set(hour, bucket);
    }
    const by = amount(bucket.get(member) ?? 0);
    if (by <= 0) return;
    add(bucket, member, by);
    for (const sum of tally.sums.values()) {
      if (hour >= sum.last - sum.hours && hour <= sum.last) add(sum.scores, member, by);
    }
    tally.answers.clear();
  }

  async increment(name: string, member: string, by: number, at: number): Promise<void> {
    this.#add(this.#tally(name), member, hourOf(at), () => by);
  }

  async raise(name: string, counts: HourlyCount[]): Promise<void> {
    const tally = this.#tally(name);
    for (const { member, hourStart, count } of counts) {
      this.#add(tally, member, hourOf(hourStart), (current) => count - current);
    }
  }

  async top(name: string, window: HourWindow, limit: number): Promise<Ranked[]> {
    if (window.hours > this.#retainHours) throw new RangeError(`a tally keeps ${this.#retainHours} hours`);
    const tally = this.#tally(name);
    const last = hourOf(window.now);
    const key = `${window.hours}:${last}`;
    let sum = tally.sums.get(key);
    if (!sum) {
      const scores: Scores = new Map();
      for (let hour = last - window.hours; hour <= last; hour++) {
        for (const [member, count] of tally.buckets.get(hour) ?? []) add(scores, member, count);
      }
      sum = { hours: window.hours, last, scores };
      tally.sums.set(key, sum);
    }
    const answerKey = `${key}:${limit}`;
    let answer = tally.answers.get(answerKey);
    if (!answer) {
      answer = best(sum.scores, limit);
      tally.answers.set(answerKey, answer);
    }
    return structuredClone(answer);
  }

  async setScores(name: string, scores: VersionedScore[]): Promise<void> {
    let standing = this.#standings.get(name);
    if (!standing) {
      standing = { members: new Map(), answers: new Map() };
      this.#standings.set(name, standing);
    }
    for (const { member, score, version } of scores) {
      const current = standing.members.get(member);
      if (!current || version >= current.version) standing.members.set(member, { score, version });
    }
    standing.answers.clear();
  }

  async standings(name: string, limit: number): Promise<Ranked[]> {
    const standing = this.#standings.get(name);
    if (!standing) return [];
    let answer = standing.answers.get(limit);
    if (!answer) {
      const scored: [string, number][] = [];
      for (const [member, { score }] of standing.members) if (score !== null) scored.push([member, score]);
      answer = best(scored, limit);
      standing.answers.set(limit, answer);
    }
    return structuredClone(answer);
  }

  async builtAt(name: string): Promise<number | undefined> {
    return this.#built.get(name);
  }

  async markBuilt(name: string, at: number): Promise<void> {
    this.#built.set(name, at);
  }

  async ping(): Promise<void> {}
}
