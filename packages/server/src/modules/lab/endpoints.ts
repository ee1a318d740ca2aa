import { endpoint, Id } from "@codechef/contract";
import { z } from "zod";

/**
 * The bench's endpoints, mounted under `/api/v1/lab` only with `CODECHEF_LAB=1`. Declared here rather than in
 * the contract: they are not part of the public API, the OpenAPI document or the SDK.
 */
const Count = z.int().min(0).max(1_000_000).default(0);
const Strategy = z.object({ strategy: z.string().min(1).max(40) });
const StrategyAndId = Strategy.extend({ id: Id });
const Window = z.object({
  window: z.enum(["1h", "24h"]).default("1h"),
  limit: z.coerce.number().int().min(1).max(100).default(3),
});
const Items = z.object({ items: z.array(z.unknown()) });

export const lab = {
  seed: endpoint({
    method: "POST",
    path: "/lab/seed",
    summary: "Bench data straight into the tables",
    access: "none",
    body: z.object({
      users: Count,
      boards: Count,
      viewedPerHour: Count,
      ledger: Count,
      searches: Count,
      /** Index the boards for search (minutes for 100,000 on MariaDB); rankings do without. */
      index: z.boolean().default(true),
    }),
    response: z.object({
      firstUser: z.number(),
      firstBoard: z.number(),
      views: z.number(),
      ledger: z.number(),
      searches: z.number(),
      ms: z.number(),
    }),
  }),
  resetPoints: endpoint({
    method: "POST",
    path: "/lab/points/:strategy/reset",
    summary: "Zero one user's lab balance",
    access: "none",
    status: 204,
    params: Strategy,
    body: z.object({ userId: Id }),
  }),
  grant: endpoint({
    method: "POST",
    path: "/lab/points/:strategy",
    summary: "Grant points by one strategy",
    access: "none",
    status: 204,
    params: Strategy,
    body: z.object({ userId: Id, delta: z.int().min(1).max(1000) }),
  }),
  pointsOutcome: endpoint({
    method: "GET",
    path: "/lab/points/:strategy/:id",
    summary: "A user's balance by one strategy, and the retries it took",
    access: "none",
    params: StrategyAndId,
    response: z.object({ final: z.number(), retries: z.number() }),
  }),
  rankBoards: endpoint({
    method: "GET",
    path: "/lab/rank-boards/:strategy",
    summary: "Popular boards by one strategy",
    access: "none",
    params: Strategy,
    query: Window,
    response: Items,
  }),
  rankUsers: endpoint({
    method: "GET",
    path: "/lab/rank-users/:strategy",
    summary: "Top users by one strategy",
    access: "none",
    params: Strategy,
    query: z.object({ career: z.enum(["WORKING", "ASPIRING"]).default("WORKING") }),
    response: Items,
  }),
  prepareSearch: endpoint({
    method: "POST",
    path: "/lab/search/prepare",
    summary: "Add the prefix and FULLTEXT indexes the search strategies need",
    access: "none",
    status: 204,
  }),
  search: endpoint({
    method: "GET",
    path: "/lab/search/:strategy",
    summary: "Search boards by one strategy",
    access: "none",
    params: Strategy,
    query: z.object({ q: z.string().min(1).max(100) }),
    response: Items,
  }),
  keywords: endpoint({
    method: "GET",
    path: "/lab/keywords/redis-zset",
    summary: "Top keywords from a Redis sorted set",
    access: "none",
    response: Items,
  }),
  view: endpoint({
    method: "POST",
    path: "/lab/views/:strategy/:id",
    summary: "Count a view of a board by one strategy (or reset its count)",
    access: "none",
    status: 204,
    params: StrategyAndId,
  }),
  flushViews: endpoint({
    method: "POST",
    path: "/lab/views/flush",
    summary: "Write the write-behind views to SQL now",
    access: "none",
    status: 204,
  }),
  viewCount: endpoint({
    method: "GET",
    path: "/lab/views/:id",
    summary: "A board's stored view count",
    access: "none",
    params: z.object({ id: Id }),
    response: z.object({ count: z.number() }),
  }),
  tokens: endpoint({
    method: "POST",
    path: "/lab/tokens",
    summary: "Access tokens for seeded users, each with a sign-in of its own (seeded users have no password)",
    access: "none",
    body: z.object({ firstUser: Id, count: z.int().min(1).max(10_000) }),
    response: z.object({ tokens: z.array(z.string()) }),
  }),
  eventOutcome: endpoint({
    method: "GET",
    path: "/lab/events/:id",
    summary: "What a first-come race left: seats taken, participant rows, ledger rows and their points",
    access: "none",
    params: z.object({ id: Id }),
    response: z.object({
      capacity: z.number(),
      taken: z.number(),
      participants: z.number(),
      ledgerRows: z.number(),
      points: z.number(),
    }),
  }),
  reindex: endpoint({
    method: "POST",
    path: "/lab/search/reindex",
    summary: "Rebuild the search index (Elasticsearch or the database's) from the boards",
    access: "none",
    status: 204,
  }),
};
