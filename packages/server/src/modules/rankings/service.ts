import {
  type BoardRankings,
  type BoardRankingWindow,
  type Career,
  MAX_PAGE_SIZE,
  type RankedReviewer,
  type RankedUser,
  type ReviewerRankings,
  type UserRankingPeriod,
  type UserRankings,
} from "@codechef/contract";
import type { Logger } from "../../logger.ts";
import { type Cache, HOUR_MS, type Leaderboard, type Ranked } from "../../ports.ts";
import { SharedReads } from "../../shared/batches.ts";
import { NotFoundError, ServiceUnavailableError } from "../../shared/errors.ts";
import { RowsById } from "../../shared/rows-by-id.ts";
import type { RankingsRepository } from "./repository.ts";

const VIEWS = "board-views";
const CAREERS: Career[] = ["WORKING", "ASPIRING"];
const standingOf = (career: Career) => `user-points:${career}`;
const reviewersOf = (categoryId: number) => `reviewer-points:${categoryId}`;
const ALL_TIME = [0, Number.MAX_SAFE_INTEGER] as const;
const WINDOW_HOURS: Record<BoardRankingWindow, number> = { "1h": 1, "24h": 24 };
const LONGEST_WINDOW_HOURS = 24;
/** A leaderboard built longer ago than this is rebuilt in the background, which repairs any update it missed. */
const REFRESH_AFTER_MS = 10 * 60_000;
/** How long a ranked board's title or user's name is reused: a change here forgets it at once, elsewhere within this. */
const NAMES_TTL_MS = 10_000;
/** Past this many leaderboard entries, stale members crowd out too much: the database answers instead. */
const MAX_CANDIDATES = 1000;

const hourStart = (at: number) => Math.floor(at / HOUR_MS) * HOUR_MS;

/** The first instant of the UTC month `months` away from the one holding `now`. */
function monthStart(now: number, months: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1);
}

/** The previous calendar month in UTC as `[start, end)`, with its name (`2026-10`). */
export function previousMonth(now: number): { start: number; end: number; name: string } {
  const start = monthStart(now, -1);
  return { start, end: monthStart(now, 0), name: new Date(start).toISOString().slice(0, 7) };
}

export interface RankingsDeps {
  repository: RankingsRepository;
  leaderboard: Leaderboard;
  cache: Cache;
  logger: Logger;
  now?: () => number;
}

/**
 * Popular boards and top users. The database is the source of truth: leaderboards follow it after each commit,
 * are rebuilt from it at start and whenever they lost their data (a flushed Redis), refreshed from it in the
 * background every few minutes, and bypassed for it while they are unavailable.
 */
export class RankingsService {
  readonly #repository: RankingsRepository;
  readonly #leaderboard: Leaderboard;
  readonly #cache: Cache;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, Promise<unknown>>();
  /** Leaderboards that missed a write (their engine was away): rebuilt before they answer again. */
  readonly #missed = new Set<string>();
  readonly #boards: RowsById<{ id: number; title: string }>;
  readonly #users: RowsById<{ id: number; nickname: string; career: Career }>;
  /** The same ranking asked for at once is read once for all (see SharedReads): a hot ranking costs little. */
  readonly #boardReads = new SharedReads<BoardRankings>();
  readonly #userReads = new SharedReads<UserRankings>();
  readonly #reviewerReads = new SharedReads<ReviewerRankings>();

  constructor({ repository, leaderboard, cache, logger, now = Date.now }: RankingsDeps) {
    this.#repository = repository;
    this.#leaderboard = leaderboard;
    this.#cache = cache;
    this.#logger = logger;
    this.#now = now;
    this.#boards = new RowsById((ids) => repository.boardTitles(ids), { ttlMs: NAMES_TTL_MS });
    this.#users = new RowsById((ids) => repository.users(ids), { ttlMs: NAMES_TTL_MS });
  }

  popularBoards(window: BoardRankingWindow, limit: number): Promise<BoardRankings> {
    return this.#boardReads.read(`${window}:${limit}`, async () => ({
      window,
      items: await this.#popularBoards(window, limit),
    }));
  }

  async topUsers(career: Career, period: UserRankingPeriod, limit: number): Promise<UserRankings> {
    if (period === "last-month") return { items: (await this.#lastMonth(career)).slice(0, limit) };
    return this.#userReads.read(`${career}:${limit}`, async () => ({
      items: await this.#topUsers(career, limit),
    }));
  }

  #popularBoards(window: BoardRankingWindow, limit: number) {
    const now = this.#now();
    const hours = WINDOW_HOURS[window];
    return this.#fromLeaderboard(
      (wanted) =>
        this.#readBuilt(
          VIEWS,
          () => this.#buildViews(now),
          () => this.#leaderboard.top(VIEWS, { hours, now }, wanted),
        ),
      (ids) => this.#boards.get(ids),
      limit,
      (board, views) => ({ id: board.id, title: board.title, views }),
      () => this.#repository.popularBoardsSince(hourStart(now) - hours * HOUR_MS, limit),
    );
  }

  #topUsers(career: Career, limit: number) {
    const standing = standingOf(career);
    return this.#fromLeaderboard(
      (wanted) =>
        this.#readBuilt(
          standing,
          () => this.#buildPoints(career),
          () => this.#leaderboard.standings(standing, wanted),
        ),
      async (ids) => (await this.#users.get(ids)).filter((user) => user.career === career),
      limit,
      (user, points): RankedUser => ({ ...user, points }),
      () => this.#repository.topPoints(career, limit),
    );
  }

  /** Reviewers with the most points in a category: all time (`realtime`) or earned last month. */
  async topReviewers(
    categoryId: number,
    period: UserRankingPeriod,
    limit: number,
  ): Promise<ReviewerRankings> {
    if (!(await this.#repository.categoryExists(categoryId))) throw new NotFoundError("category");
    if (period === "last-month")
      return { items: (await this.#lastMonthReviewers(categoryId)).slice(0, limit) };
    return this.#reviewerReads.read(`${categoryId}:${limit}`, async () => ({
      items: await this.#topReviewers(categoryId, limit),
    }));
  }

  #topReviewers(categoryId: number, limit: number) {
    const standing = reviewersOf(categoryId);
    return this.#fromLeaderboard(
      (wanted) =>
        this.#readBuilt(
          standing,
          () => this.#buildReviewers(categoryId),
          () => this.#leaderboard.standings(standing, wanted),
        ),
      (ids) => this.#users.get(ids),
      limit,
      ({ id, nickname }, points): RankedReviewer => ({ id, nickname, points }),
      () => this.#repository.topReviewersBetween(categoryId, ...ALL_TIME, limit),
    );
  }

  /** After review points in categories committed: the reviewer's sums there, read fresh, go on their standings. */
  async reviewerChanged(userId: number, categoryIds: number[]): Promise<void> {
    try {
      for (const categoryId of categoryIds) await this.#buildReviewers(categoryId, [userId]);
    } catch (error) {
      this.#logger.warn("reviewer ranking missed a points change", { userId, error: String(error) });
    }
  }

  /**
   * After a view commits: the hour's count as that commit left it raises the board's bucket. Unlike adding one,
   * this is exact however it interleaves with other views and rebuilds; a failure is logged and the next view or
   * rebuild repairs it.
   */
  async boardViewed(boardId: number, at: number, count: number): Promise<void> {
    try {
      const hour = hourStart(at);
      await this.#leaderboard.raise(VIEWS, [{ member: String(boardId), hourStart: hour, count }]);
    } catch (error) {
      this.#missed.add(VIEWS);
      this.#logger.warn("popular boards missed a view", { boardId, error: String(error) });
    }
  }

  /**
   * After a user's points or career changed (committed): their balance, read fresh with the ledger version it is
   * at, goes on their career's standing and off the other's.
   */
  async userChanged(userId: number): Promise<void> {
    this.#users.forget(userId);
    try {
      const user = await this.#repository.pointsOf(userId);
      if (!user) return;
      const member = String(user.id);
      await Promise.all(
        CAREERS.map((career) => {
          const score = career === user.career && user.points > 0 ? user.points : null;
          return this.#leaderboard.setScores(standingOf(career), [{ member, score, version: user.version }]);
        }),
      );
    } catch (error) {
      for (const career of CAREERS) this.#missed.add(standingOf(career));
      this.#logger.warn("user ranking missed a points change", { userId, error: String(error) });
    }
  }

  /** After a new nickname committed. */
  userRenamed(userId: number): void {
    this.#users.forget(userId);
  }

  /** After a board's edit or deletion committed. */
  boardChanged(boardId: number): void {
    this.#boards.forget(boardId);
  }

  /** Rebuilds every leaderboard from the database (at start). */
  async rebuild(): Promise<void> {
    const now = this.#now();
    await this.#build(VIEWS, () => this.#buildViews(now));
    for (const career of CAREERS) await this.#build(standingOf(career), () => this.#buildPoints(career));
    for (const categoryId of await this.#repository.reviewedCategories()) {
      await this.#build(reviewersOf(categoryId), () => this.#buildReviewers(categoryId));
    }
  }

  /**
   * Ranked rows from a leaderboard, keeping only members the database still has (deleted boards, users of
   * another career); asks for more when some were dropped, up to MAX_CANDIDATES, then asks the database. While
   * the leaderboard is down, asks the database.
   */
  async #fromLeaderboard<Row extends { id: number }, Item>(
    top: (wanted: number) => Promise<Ranked[]>,
    load: (ids: number[]) => Promise<Row[]>,
    limit: number,
    present: (row: Row, score: number) => Item,
    fallback: () => Promise<Item[]>,
  ): Promise<Item[]> {
    try {
      for (let wanted = limit; ; wanted = Math.min(wanted * 4, MAX_CANDIDATES)) {
        const entries = await top(wanted);
        const rows = new Map(
          (await load(entries.map((entry) => Number(entry.member)))).map((r) => [r.id, r]),
        );
        const items = entries.flatMap((entry) => {
          const row = rows.get(Number(entry.member));
          return row ? [present(row, entry.score)] : [];
        });
        if (items.length >= limit || entries.length < wanted) return items.slice(0, limit);
        if (wanted >= MAX_CANDIDATES) break;
      }
      this.#logger.warn("rankings answered from the database: too many stale leaderboard members");
      return fallback();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError)) throw error;
      this.#logger.warn("rankings answered from the database", { error: String(error.cause) });
      return fallback();
    }
  }

  /**
   * Reads a leaderboard and asks whether it is built at once (one round trip): one that lost its data or missed
   * a write is rebuilt and read again; one merely old is rebuilt in the background.
   */
  async #readBuilt<T>(name: string, build: () => Promise<void>, read: () => Promise<T>): Promise<T> {
    const [builtAt, value] = await Promise.all([this.#leaderboard.builtAt(name), read()]);
    if (builtAt === undefined || this.#missed.has(name)) {
      await this.#build(name, build);
      return read();
    }
    if (this.#now() - builtAt > REFRESH_AFTER_MS) {
      this.#build(name, build).catch((error: unknown) => {
        this.#logger.warn("leaderboard refresh failed", { name, error: String(error) });
      });
    }
    return value;
  }

  /** One build per leaderboard at a time in this process; builds elsewhere are harmless (writes are idempotent). */
  #build(name: string, build: () => Promise<void>): Promise<void> {
    return this.#once(`build:${name}`, async () => {
      const startedAt = this.#now();
      // A write missed from now on marks it again, for the next read.
      this.#missed.delete(name);
      await build().catch((error: unknown) => {
        this.#missed.add(name);
        throw error;
      });
      await this.#leaderboard.markBuilt(name, startedAt);
      this.#logger.info("leaderboard rebuilt", { name });
    });
  }

  async #buildViews(now: number): Promise<void> {
    const last = hourStart(now);
    for await (const counts of this.#repository.viewsBetween(last - LONGEST_WINDOW_HOURS * HOUR_MS, last)) {
      await this.#leaderboard.raise(VIEWS, counts);
    }
  }

  async #buildPoints(career: Career): Promise<void> {
    for await (const users of this.#repository.pointsByCareer(career)) {
      await this.#leaderboard.setScores(
        standingOf(career),
        users.map((user) => ({
          member: String(user.id),
          score: user.points > 0 ? user.points : null,
          version: user.version,
        })),
      );
    }
  }

  async #buildReviewers(categoryId: number, userIds?: number[]): Promise<void> {
    for await (const users of this.#repository.reviewerPoints(categoryId, userIds)) {
      await this.#leaderboard.setScores(
        reviewersOf(categoryId),
        users.map((user) => ({
          member: String(user.id),
          score: user.points > 0 ? user.points : null,
          version: user.version,
        })),
      );
    }
  }

  /** Last month's top reviewers in a category, cached until the month changes. */
  #lastMonthReviewers(categoryId: number): Promise<RankedReviewer[]> {
    const now = this.#now();
    const month = previousMonth(now);
    return this.#cachedUntilMonthEnds(`rankings:reviewers:last-month:${categoryId}:${month.name}`, () =>
      this.#repository.topReviewersBetween(categoryId, month.start, month.end, MAX_PAGE_SIZE),
    );
  }

  async #cachedUntilMonthEnds<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    return this.#once(key, async () => {
      const cached = await this.#cache.get<T>(key);
      if (cached) return cached;
      const value = await load();
      await this.#cache.set(key, value, Math.max(1, Math.ceil((monthStart(now, 1) - now) / 1000)));
      return value;
    });
  }

  /** Last month's top users of a career, cached until the month changes (it cannot change before). */
  #lastMonth(career: Career): Promise<RankedUser[]> {
    const now = this.#now();
    const month = previousMonth(now);
    return this.#cachedUntilMonthEnds(`rankings:users:last-month:${career}:${month.name}`, () =>
      this.#repository.topEarnedBetween(career, month.start, month.end, MAX_PAGE_SIZE),
    );
  }

  #once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let running = this.#inFlight.get(key) as Promise<T> | undefined;
    if (!running) {
      running = work().finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, running);
    }
    return running;
  }
}
