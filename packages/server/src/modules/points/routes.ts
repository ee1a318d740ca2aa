import { adminPoints, points } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { PointsService } from "./service.ts";

export function pointsRoutes(service: PointsService) {
  return [
    route(points.get, ({ params, query }) => service.history(params.id, query.cursor, query.limit)),
    route(adminPoints.grant, async ({ params, body, headers }, ctx) => {
      const { entry, replayed } = await service.grant(ctx.user, params.id, body, headers["idempotency-key"]);
      if (replayed) ctx.status = 200;
      return entry;
    }),
  ];
}
