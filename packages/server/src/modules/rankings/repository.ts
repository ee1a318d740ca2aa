import type { Career, RankedBoard, RankedReviewer, RankedUser } from "@codechef/contract";
import type { Db } from "../../db/database.ts";
import { HOUR_MS, type HourlyCount } from "../../ports.ts";

/** A user's balance as of their newest ledger entry, whose id orders the user's states. */
export interface UserPoints {
  id: number;
  career: Career;
  points: number;
  version: number;
}

const PAGE = 5000;

/** A member's score with the version of the data it was read from. */
export interface UserScore {
  id: number;
  points: number;
  version: number;
}

/** The database side of rankings: the source every leaderboard is rebuilt from, and the fallback. */
export class RankingsRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  boardTitles(ids: number[]): Promise<{ id: number; title: string }[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.#db.selectFrom("boards").select(["id", "title"]).where("id", "in", ids).execute();
  }

  users(ids: number[]): Promise<{ id: number; nickname: string; career: Career }[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.#db.selectFrom("users").select(["id", "nickname", "career"]).where("id", "in", ids).execute();
  }

  /** Every board's views in each hour from `since` to `until`, a page at a time (an index range each). */
  async *viewsBetween(since: number, until: number): AsyncGenerator<HourlyCount[]> {
    for (let hour = since; hour <= until; hour += HOUR_MS) {
      let after = 0;
      for (;;) {
        const rows = await this.#db
          .selectFrom("board_views_hourly")
          .select(["board_id", "views"])
          .where("hour_start_ms", "=", hour)
          .where("board_id", ">", after)
          .orderBy("board_id")
          .limit(PAGE)
          .execute();
        if (rows.length > 0) {
          yield rows.map((row) => ({
            member: String(row.board_id),
            hourStart: hour,
            count: Number(row.views),
          }));
        }
        if (rows.length < PAGE) break;
        after = (rows[rows.length - 1] as (typeof rows)[number]).board_id;
      }
    }
  }

  /** The most viewed boards from `since` on, straight from the database. */
  async popularBoardsSince(since: number, limit: number): Promise<RankedBoard[]> {
    const rows = await this.#db
      .selectFrom("board_views_hourly as v")
      .innerJoin("boards as b", "b.id", "v.board_id")
      .select(["b.id", "b.title"])
      .select((eb) => eb.fn.sum<number | string>("v.views").as("views"))
      .where("v.hour_start_ms", ">=", since)
      .groupBy(["b.id", "b.title"])
      .orderBy("views", "desc")
      .orderBy("b.id", "desc")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, title: row.title, views: Number(row.views) }));
  }

  /** One user's points and the version they were read at, in one statement (one consistent snapshot). */
  async pointsOf(userId: number): Promise<UserPoints | undefined> {
    const row = await this.#db
      .selectFrom("users as u")
      .select(["u.id", "u.career", "u.points"])
      .select((eb) =>
        eb
          .selectFrom("point_ledger")
          .select((inner) => inner.fn.max("id").as("version"))
          .whereRef("user_id", "=", "u.id")
          .as("version"),
      )
      .where("u.id", "=", userId)
      .executeTakeFirst();
    return row && { ...row, points: Number(row.points), version: Number(row.version ?? 0) };
  }

  /** The points of every user of a career who has a ledger entry, a page at a time. */
  async *pointsByCareer(career: Career): AsyncGenerator<UserPoints[]> {
    let after = 0;
    for (;;) {
      const rows = await this.#db
        .selectFrom("users as u")
        .innerJoin("point_ledger as l", "l.user_id", "u.id")
        .select(["u.id", "u.career", "u.points"])
        .select((eb) => eb.fn.max("l.id").as("version"))
        .where("u.career", "=", career)
        .where("u.id", ">", after)
        .groupBy(["u.id", "u.career", "u.points"])
        .orderBy("u.id")
        .limit(PAGE)
        .execute();
      if (rows.length === 0) return;
      yield rows.map((row) => ({ ...row, points: Number(row.points), version: Number(row.version) }));
      after = (rows[rows.length - 1] as (typeof rows)[number]).id;
      if (rows.length < PAGE) return;
    }
  }

  /** The users of a career with the most points now, straight from the database. */
  async topPoints(career: Career, limit: number): Promise<RankedUser[]> {
    const rows = await this.#db
      .selectFrom("users")
      .select(["id", "nickname", "career", "points"])
      .where("career", "=", career)
      .where("points", ">", 0)
      .orderBy("points", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...row, points: Number(row.points) }));
  }

  async categoryExists(id: number): Promise<boolean> {
    return (
      (await this.#db.selectFrom("categories").select("id").where("id", "=", id).executeTakeFirst()) !==
      undefined
    );
  }

  /** The categories anyone earned review points in. */
  async reviewedCategories(): Promise<number[]> {
    const rows = await this.#db.selectFrom("review_points").select("category_id").distinct().execute();
    return rows.map((row) => row.category_id);
  }

  /**
   * Each reviewer's points in a category (those among `userIds`, or all), with the newest ledger entry they
   * count as their version, a page at a time.
   */
  async *reviewerPoints(categoryId: number, userIds?: number[]): AsyncGenerator<UserScore[]> {
    let after = 0;
    for (;;) {
      const rows = await this.#db
        .selectFrom("review_points")
        .select("user_id")
        .select((eb) => [
          eb.fn.sum<number | string>("points").as("points"),
          eb.fn.max("ledger_id").as("version"),
        ])
        .where("category_id", "=", categoryId)
        .$if(userIds !== undefined, (q) => q.where("user_id", "in", userIds as number[]))
        .where("user_id", ">", after)
        .groupBy("user_id")
        .orderBy("user_id")
        .limit(PAGE)
        .execute();
      if (rows.length === 0) return;
      yield rows.map((row) => ({
        id: row.user_id,
        points: Number(row.points),
        version: Number(row.version),
      }));
      after = (rows[rows.length - 1] as (typeof rows)[number]).user_id;
      if (rows.length < PAGE) return;
    }
  }

  /** The reviewers with the most points in a category in `[start, end)`, straight from the database. */
  async topReviewersBetween(
    categoryId: number,
    start: number,
    end: number,
    limit: number,
  ): Promise<RankedReviewer[]> {
    const rows = await this.#db
      .selectFrom("review_points as p")
      .innerJoin("users as u", "u.id", "p.user_id")
      .select(["u.id", "u.nickname"])
      .select((eb) => eb.fn.sum<number | string>("p.points").as("points"))
      .where("p.category_id", "=", categoryId)
      .where("p.created_at", ">=", start)
      .where("p.created_at", "<", end)
      .groupBy(["u.id", "u.nickname"])
      .having((eb) => eb.fn.sum("p.points"), ">", 0)
      .orderBy("points", "desc")
      .orderBy("u.id", "desc")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...row, points: Number(row.points) }));
  }

  /** The users of a career who earned the most (net, above zero) in `[start, end)`. */
  async topEarnedBetween(career: Career, start: number, end: number, limit: number): Promise<RankedUser[]> {
    const rows = await this.#db
      .selectFrom("point_ledger as l")
      .innerJoin("users as u", "u.id", "l.user_id")
      .select(["u.id", "u.nickname", "u.career"])
      .select((eb) => eb.fn.sum<number | string>("l.delta").as("points"))
      .where("u.career", "=", career)
      .where("l.created_at", ">=", start)
      .where("l.created_at", "<", end)
      .groupBy(["u.id", "u.nickname", "u.career"])
      .having((eb) => eb.fn.sum("l.delta"), ">", 0)
      .orderBy("points", "desc")
      .orderBy("u.id")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...row, points: Number(row.points) }));
  }
}
