import { rankings, review } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { RankingsService } from "./service.ts";

export function rankingRoutes(service: RankingsService) {
  return [
    route(rankings.boards, ({ query }) => service.popularBoards(query.window, query.limit)),
    route(rankings.users, ({ query }) => service.topUsers(query.career, query.period, query.limit)),
    route(review.reviewers, ({ query }) => service.topReviewers(query.categoryId, query.period, query.limit)),
  ];
}
