import type { IncomingMessage } from "node:http";
import { paymentWebhooks, subscriptions } from "@codechef/contract";
import { AppError } from "../../http/errors.ts";
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
      await service.settleFromWebhook(await readRaw(request), headers["stripe-signature"] ?? "");
      return undefined;
    }),
  ];
}

const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** The body byte for byte: a signature is checked over exactly what was sent. */
async function readRaw(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_WEBHOOK_BYTES) {
      throw new AppError(413, "PAYLOAD_TOO_LARGE", `webhooks are limited to ${MAX_WEBHOOK_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
