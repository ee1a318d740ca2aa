import Router from "@koa/router";
import type { Context } from "koa";
import { readJson } from "../../http/body.ts";
import { AppError } from "../../http/errors.ts";
import { HOUR_MS } from "../../ports.ts";
import type { RankingsRepository } from "../rankings/repository.ts";
import type { RankingsService } from "../rankings/service.ts";
import type { LabRepository } from "./repository.ts";
import { type SeedRequest, seed } from "./seed.ts";
import { type LabService, POINT_STRATEGIES, type PointStrategy } from "./service.ts";

export interface LabRouteDeps {
  lab: LabService;
  repository: LabRepository;
  rankingsRepository: RankingsRepository;
  rankings: RankingsService;
  db: Parameters<typeof seed>[0];
  afterSeed(): Promise<void>;
}

const unknown = (what: string): never => {
  throw new AppError(404, "NOT_FOUND", what);
};

const int = (value: unknown) => {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new AppError(400, "INVALID_INPUT", `not an integer: ${value}`);
  return number;
};

/**
 * `/lab/*`, mounted only with `CODECHEF_LAB=1`: the strategies the bench compares, and its seeding. Plain JSON
 * with no auth — a lab server is never exposed — and not part of the public contract or OpenAPI document.
 */
export function labRouter({
  lab,
  repository,
  rankingsRepository,
  rankings,
  db,
  afterSeed,
}: LabRouteDeps): Router {
  const router = new Router({ prefix: "/lab" });
  const strategy = (ctx: Context): PointStrategy => {
    const name = ctx.params.strategy as PointStrategy;
    if (!POINT_STRATEGIES.includes(name)) unknown(`unknown point strategy ${name}`);
    return name;
  };
  router.use(async (ctx, next) => {
    ctx.state.route = `/lab${ctx.path
      .split("/")
      .slice(2, 3)
      .map((p) => `/${p}`)
      .join("")}`;
    await next();
  });

  router.post("/seed", async (ctx) => {
    const started = Date.now();
    const body = (await readJson(ctx.req)) as Partial<SeedRequest>;
    const request: SeedRequest = {
      users: int(body.users ?? 0),
      boards: int(body.boards ?? 0),
      viewedPerHour: int(body.viewedPerHour ?? 0),
      ledger: int(body.ledger ?? 0),
      searches: int(body.searches ?? 0),
    };
    const made = await seed(db, request);
    await afterSeed();
    ctx.body = { ...made, ms: Date.now() - started };
  });

  router.post("/points/:strategy/reset", async (ctx) => {
    const { userId } = (await readJson(ctx.req)) as { userId: number };
    await lab.resetPoints(int(userId));
    strategy(ctx);
    ctx.status = 204;
  });
  router.post("/points/:strategy", async (ctx) => {
    const { userId, delta } = (await readJson(ctx.req)) as { userId: number; delta: number };
    await lab.grant(strategy(ctx), int(userId), int(delta));
    ctx.status = 204;
  });
  router.get("/points/:strategy/:userId", async (ctx) => {
    ctx.body = await lab.pointsOutcome(strategy(ctx), int(ctx.params.userId));
  });

  router.get("/rank-boards/:strategy", async (ctx) => {
    const hours = ctx.query.window === "24h" ? 24 : 1;
    const since = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - hours * HOUR_MS;
    const limit = ctx.query.limit ? int(ctx.query.limit) : 3;
    const fromSql = () => rankingsRepository.popularBoardsSince(since, limit);
    switch (ctx.params.strategy) {
      case "db-noindex":
        ctx.body = { items: await repository.popularWithoutIndex(since, limit) };
        return;
      case "db-index":
        ctx.body = { items: await fromSql() };
        return;
      case "read-through-cache":
        ctx.body = { items: await lab.popularReadThrough(since, limit, fromSql) };
        return;
      case "sorted-set":
        ctx.body = await rankings.popularBoards(hours === 24 ? "24h" : "1h", limit);
        return;
    }
    unknown(`unknown ranking strategy ${ctx.params.strategy}`);
  });

  router.get("/rank-users/:strategy", async (ctx) => {
    const career = ctx.query.career === "ASPIRING" ? "ASPIRING" : "WORKING";
    if (ctx.params.strategy === "db") ctx.body = { items: await rankingsRepository.topPoints(career, 10) };
    else if (ctx.params.strategy === "sorted-set") ctx.body = await rankings.topUsers(career, "realtime", 10);
    else unknown(`unknown ranking strategy ${ctx.params.strategy}`);
  });

  router.post("/search/prepare", async (ctx) => {
    await repository.ensureSearchIndexes();
    ctx.status = 204;
  });
  router.get("/search/:strategy", async (ctx) => {
    const term = String(ctx.query.q ?? "");
    const search = {
      "like-scan": () => repository.searchLikeScan(term, 20),
      "prefix-index": () => repository.searchPrefix(term, 20),
      fulltext: () => repository.searchFulltext(term, 20),
    }[ctx.params.strategy ?? ""];
    if (!search) return unknown(`unknown search strategy ${ctx.params.strategy}`);
    ctx.body = { items: await search() };
  });

  router.post("/keywords/redis-zset", async (ctx) => {
    const { keyword } = (await readJson(ctx.req)) as { keyword: string };
    await lab.searchedKeyword(String(keyword));
    ctx.status = 204;
  });
  router.get("/keywords/redis-zset", async (ctx) => {
    ctx.body = { items: await lab.topKeywords(10) };
  });

  router.post("/views/flush", async (ctx) => {
    await lab.flushViews();
    ctx.status = 204;
  });
  router.post("/views/:strategy/:boardId", async (ctx) => {
    const boardId = int(ctx.params.boardId);
    if (ctx.params.strategy === "read-modify-write") await repository.viewReadModifyWrite(boardId);
    else if (ctx.params.strategy === "redis-incr-flush") await lab.viewWriteBehind(boardId);
    else if (ctx.params.strategy === "reset") await repository.resetViews(boardId);
    else unknown(`unknown view strategy ${ctx.params.strategy}`);
    ctx.status = 204;
  });
  router.get("/views/:boardId", async (ctx) => {
    ctx.body = { count: await repository.viewCount(int(ctx.params.boardId)) };
  });
  return router;
}
