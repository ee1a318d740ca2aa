import { z } from "zod";
import { MAX_PAGE_SIZE, QueryNumber } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { Career } from "./users.ts";

/** A rolling window: the hour in progress and the `1` or `24` whole hours before it. */
export const BoardRankingWindow = z.enum(["1h", "24h"]);
export type BoardRankingWindow = z.infer<typeof BoardRankingWindow>;

/** `realtime`: current balances; `last-month`: points earned in the previous calendar month (UTC). */
export const UserRankingPeriod = z.enum(["realtime", "last-month"]);
export type UserRankingPeriod = z.infer<typeof UserRankingPeriod>;

const limit = (byDefault: number) =>
  QueryNumber.pipe(z.number().min(1).max(MAX_PAGE_SIZE)).default(byDefault);

export const BoardRankingsQuery = z.object({
  window: BoardRankingWindow.default("1h"),
  limit: limit(3),
});
export type BoardRankingsQuery = z.input<typeof BoardRankingsQuery>;

export const RankedBoard = z.object({ id: z.int(), title: z.string(), views: z.int() });
export type RankedBoard = z.infer<typeof RankedBoard>;

export const BoardRankings = z.object({ window: BoardRankingWindow, items: z.array(RankedBoard) });
export type BoardRankings = z.infer<typeof BoardRankings>;

export const UserRankingsQuery = z.object({
  career: Career,
  period: UserRankingPeriod.default("realtime"),
  limit: limit(10),
});
export type UserRankingsQuery = z.input<typeof UserRankingsQuery>;

export const RankedUser = z.object({
  id: z.int(),
  nickname: z.string(),
  career: Career,
  points: z.int(),
});
export type RankedUser = z.infer<typeof RankedUser>;

export const UserRankings = z.object({ items: z.array(RankedUser) });
export type UserRankings = z.infer<typeof UserRankings>;

export const rankings = {
  boards: endpoint({
    method: "GET",
    path: "/rankings/boards",
    summary: "The most viewed boards over a rolling window (deleted boards never appear)",
    access: "none",
    query: BoardRankingsQuery,
    response: BoardRankings,
  }),
  users: endpoint({
    method: "GET",
    path: "/rankings/users",
    summary: "Users with the most points, ranked separately per career: now, or earned last month (UTC)",
    access: "none",
    query: UserRankingsQuery,
    response: UserRankings,
  }),
};
