import { paymentWebhooks, subscriptions } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { SubscriptionService } from "./service.ts";

export function subscriptionRoutes(service: SubscriptionService) {
  return [
    route(subscriptions.plans, async () => service.plans()),
    route(subscriptions.subscribe, async ({ body, headers }, ctx) => {
      const { subscription, replayed } = await service.subscribe(ctx.user, body, headers["idempotency-key"]);
      if (replayed) ctx.status = 200;
      return subscription;
    }),
    route(subscriptions.me, (_, { user }) => service.mine(user)),
    route(subscriptions.cancel, ({ params }, { user }) => service.cancel(user, params.id)),
    route(subscriptions.refund, ({ params }, { user }) => service.refund(user, params.id)),
    route(paymentWebhooks.receive, async ({ headers }, { request }) => {
      await service.settleFromWebhook(request, headers["stripe-signature"] ?? "");
      return undefined;
    }),
  ];
}
