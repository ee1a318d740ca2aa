import { route } from "../../http/route.ts";
import { lab } from "./endpoints.ts";
import type { LabService } from "./service.ts";

export function labRoutes(service: LabService) {
  return [
    route(lab.seed, ({ body }) => service.seed(body)),
    route(lab.resetPoints, async ({ params, body }) => {
      await service.resetPoints(params.strategy, body.userId);
      return undefined;
    }),
    route(lab.grant, async ({ params, body }) => {
      await service.grant(params.strategy, body.userId, body.delta);
      return undefined;
    }),
    route(lab.pointsOutcome, ({ params }) => service.pointsOutcome(params.strategy, params.id)),
    route(lab.rankBoards, ({ params, query }) =>
      service.popularBoards(params.strategy, query.window, query.limit),
    ),
    route(lab.rankUsers, ({ params, query }) => service.topUsers(params.strategy, query.career)),
    route(lab.prepareSearch, async () => {
      await service.prepareSearch();
      return undefined;
    }),
    route(lab.search, ({ params, query }) => service.search(params.strategy, query.q)),
    route(lab.keywords, () => service.topKeywords(10)),
    route(lab.view, async ({ params }) => {
      await service.view(params.strategy, params.id);
      return undefined;
    }),
    route(lab.flushViews, async () => {
      await service.flushViews();
      return undefined;
    }),
    route(lab.viewCount, ({ params }) => service.viewCount(params.id)),
    route(lab.tokens, ({ body }) => service.tokens(body.firstUser, body.count)),
    route(lab.eventOutcome, ({ params }) => service.eventOutcome(params.id)),
    route(lab.reindex, async () => {
      await service.reindex();
      return undefined;
    }),
  ];
}
