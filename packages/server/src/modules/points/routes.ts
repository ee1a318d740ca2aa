import { adminPoints, points } from "@codechef/contract";
import { route } from "../../http/route.ts";
import { presentLedgerEntry } from "./presenter.ts";
import type { PointsService } from "./service.ts";

export function pointsRoutes(service: PointsService) {
  return [
    route(points.get, ({ params, query }) => service.history(params.id, query.cursor, query.limit)),
    route(adminPoints.grant, async ({ params, body, headers }, ctx) => {
      const key = headers["idempotency-key"];
      const { entry, replayed } = await service.apply(undefined, {
        userId: params.id,
        delta: body.delta,
        reason: body.reason,
        reference: `admin:${ctx.user.id}`,
        // Namespaced, so a client's key can never collide with one the server derives (`adopt:…`).
        idempotencyKey: key === undefined ? null : `admin-grant:${key}`,
      });
      if (replayed) ctx.status = 200;
      return presentLedgerEntry(entry);
    }),
  ];
}
