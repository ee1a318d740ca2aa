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

/** One member's place on a leaderboard. */
export interface Ranked {
  member: string;
  score: number;
}

/** A member's count in the hour bucket that starts at `hourStart` (epoch ms), as the database has it. */
export interface HourlyCount {
  member: string;
  hourStart: number;
  count: number;
}

/**
 * A member's score and the version of the database state it was read from (larger is newer). `score: null`
 * takes the member off the standing.
 */
export interface VersionedScore {
  member: string;
  score: number | null;
  version: number;
}

/** The hour buckets from the one `hours` hours before `now` to the one holding `now`: at least `hours` hours. */
export interface HourWindow {
  hours: number;
  now: number;
}

export const HOUR_MS = 3_600_000;

/**
 * Sorted sets for rankings, of two kinds, each named by a string.
 * - A *tally* counts events in hourly buckets and ranks members by their sum over a rolling window (boards by
 *   views). Buckets expire once they fall out of the longest window the adapter keeps.
 * - A *standing* holds one current score per member (users by points).
 *
 * The database is the source of truth and a leaderboard can lose its data (a flushed Redis), so every write is
 * safe to race with a rebuild: `raise` and `setScores` are idempotent and never move a member back to older
 * data, so feeding them counts read from the database is exact under any interleaving; `increment` (for counts
 * the database does not keep per hour) is applied at most once, never resent. Ties are ranked by member,
 * descending.
 */
export interface Leaderboard extends Probe {
  /** Adds `by` to `member` in the hour bucket that holds `at` (epoch ms). */
  increment(tally: string, member: string, by: number, at: number): Promise<void>;
  /** Raises bucket counts to at least the given ones and never lowers any: a rebuild from the database. */
  raise(tally: string, counts: HourlyCount[]): Promise<void>;
  /** The highest sums over the window's buckets, best first. */
  top(tally: string, window: HourWindow, limit: number): Promise<Ranked[]>;
  /** Sets each member's score unless a newer version of it was already set. */
  setScores(standing: string, scores: VersionedScore[]): Promise<void>;
  /** The highest scores, best first. */
  standings(standing: string, limit: number): Promise<Ranked[]>;
  /** When `name` was last marked built from the database; undefined once its data was lost (or never built). */
  builtAt(name: string): Promise<number | undefined>;
  markBuilt(name: string, at: number): Promise<void>;
}
