/** The interfaces services depend on; `container.ts` picks an adapter for each from the configuration. */
import type { RateLimiterAbstract, RLWrapperTimeouts } from "rate-limiter-flexible";

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
  close(): Promise<void>;
}

/**
 * Counted leases shared by every instance (a user's open realtime sessions): at most `limit` holders of a key at
 * once. A lease lapses `ttlSeconds` after it was last taken, so the holders of an instance that died lapse too.
 */
export interface Leases {
  /** Takes or renews `holder`'s lease; false when `limit` others hold live ones. Throws when the store is down. */
  acquire(key: string, holder: string, limit: number, ttlSeconds: number): Promise<boolean>;
  release(key: string, holder: string): Promise<void>;
}

/** What the bus carries: the chat and notification exchanges, session revocations and board review events. */
export const BUS_TOPICS = ["chat", "notification", "session", "board"] as const;
export type BusTopic = (typeof BUS_TOPICS)[number];

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

/** What the search index holds for one board. */
export interface SearchDocument {
  id: number;
  /** The board's version: an index never replaces a newer version with an older one (relays may race). */
  version: number;
  title: string;
  contents: string;
  categories: { id: number; name: string }[];
}

export interface SearchHit {
  id: number;
  title: string;
  /** HTML-escaped text around the first match, matches wrapped in `<mark>`. */
  snippet: string;
  score: number;
}

export interface SearchQuery {
  /** The user's words; every whitespace-separated term must appear (title, contents or a category name). */
  text: string;
  categoryId?: number;
  page: number;
  size: number;
}

/**
 * A full-text index of boards. It is eventually consistent: the outbox relay feeds it after each commit, so a
 * caller that needs only live boards checks the hits against the database.
 */
export interface SearchIndex extends Probe {
  /** Adds or replaces a document. */
  index(document: SearchDocument): Promise<void>;
  /** Adds or replaces many documents in one round (a relay batch, a rebuild). */
  indexMany(documents: SearchDocument[]): Promise<void>;
  /** Removes a document; removing one that is absent is not an error. */
  remove(id: number): Promise<void>;
  /**
   * Most relevant first over every match; `total` counts every match. `live` when the hits were already checked
   * against the boards, with their current titles (an index in the boards' own database does it for free).
   */
  search(query: SearchQuery): Promise<{ hits: SearchHit[]; total: number; live?: boolean }>;
  /** Documents sharing the rarest words of document `id`, most similar first, never `id` itself. */
  similar(id: number, limit: number): Promise<SearchHit[]>;
  /** Drops every document (and recreates the index's structure), before a rebuild. */
  clear(): Promise<void>;
}

/** How search reads boards from the database, which stays the source of truth over the index. */
export interface BoardDocuments {
  /** The live (not deleted) boards among `ids`, as the index should hold them. */
  load(ids: number[]): Promise<Map<number, SearchDocument>>;
  /** The current titles of the live boards among `ids`. */
  liveTitles(ids: number[]): Promise<Map<number, string>>;
  /** Every live board, a batch at a time, in id order. */
  batches(size: number): AsyncIterable<SearchDocument[]>;
}

export interface KeywordCount {
  keyword: string;
  count: number;
}

/** Counts searched keywords over a sliding time window. */
export interface KeywordRanking extends Probe {
  /** Counts one search of an already normalised keyword. */
  add(keyword: string, at: number): Promise<void>;
  /** The most searched keywords of the last `windowMs`: count descending, then keyword ascending. */
  top(windowMs: number, limit: number): Promise<KeywordCount[]>;
}

/** A rate limit: `points` per `seconds`. */
export interface Limit {
  points: number;
  seconds: number;
}

/** A counter with a window (rate-limiter-flexible's interface), in a store of its own, never the cache. */
export type Limiter = RateLimiterAbstract | RLWrapperTimeouts;
export type LimiterFactory = (name: string, limit: Limit) => Limiter;
export interface ObjectMetadata {
  contentType: string;
  /** Sent as is when the storage serves the object itself (S3, a CDN). */
  contentDisposition: string;
}

/** Object storage for uploaded files, under keys the server makes. */
export interface ObjectStorage extends Probe {
  put(key: string, body: Buffer, metadata: ObjectMetadata): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Deleting an absent object is not an error. */
  delete(key: string): Promise<void>;
  /** Where a client downloads the object: absolute, or a path on this server (`/files/{key}`). */
  url(key: string): Promise<string>;
}

/** What a payment gateway answers about one charge (or refund); `unknown` when it did not say in time. */
export type PaymentOutcome =
  | { status: "succeeded"; chargeId: string }
  | { status: "declined"; reason: string }
  | { status: "unknown"; reason: string };

export interface ChargeRequest {
  /** The same key is one charge however often it is sent; the gateway answers a repeat with the first outcome. */
  idempotencyKey: string;
  /** In the currency's smallest unit. */
  amount: number;
  currency: string;
  paymentToken: string;
  description: string;
}

export interface RefundRequest {
  idempotencyKey: string;
  chargeId: string;
}

/** What a gateway's signed notification says about the charge sent under `idempotencyKey`. */
export interface PaymentEvent {
  idempotencyKey: string;
  outcome: PaymentOutcome;
}

export interface PaymentGateway {
  readonly name: string;
  charge(request: ChargeRequest): Promise<PaymentOutcome>;
  refund(request: RefundRequest): Promise<PaymentOutcome>;
  /**
   * Reads a webhook the gateway sent: throws when its signature does not hold, undefined when it settles no
   * charge. Absent on a gateway without webhooks (the sandbox answers at once).
   */
  webhook?(payload: Buffer, signature: string): PaymentEvent | undefined;
}
