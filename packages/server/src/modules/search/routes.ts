import { keywordRankings, search } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { SearchService } from "./service.ts";

export function searchRoutes(service: SearchService) {
  return [
    route(search.boards, ({ query }, ctx) => service.searchBoards(query, ctx)),
    route(search.similarBoards, ({ params, query }) => service.similarBoards(params.id, query.limit)),
    route(keywordRankings.keywords, ({ query }) => service.keywordRanking(query.window, query.limit)),
  ];
}
