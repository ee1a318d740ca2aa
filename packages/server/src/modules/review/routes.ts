import { review } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { ApplySuggestions } from "./apply-suggestions.ts";
import type { ReviewService } from "./service.ts";

export function reviewRoutes(service: ReviewService, applySuggestions: ApplySuggestions) {
  return [
    route(review.revisions, ({ params, query }) => service.revisions(params.id, query)),
    route(review.revision, ({ params }) => service.revision(params.id, params.number)),
    route(review.diff, ({ params, query }) => service.diff(params.id, query)),
    route(review.threads, ({ params, query }) => service.threads(params.id, query)),
    route(review.createThread, ({ params, body }, { user }) => service.createThread(user, params.id, body)),
    route(review.thread, ({ params }) => service.thread(params.id)),
    route(review.reply, ({ params, body }, { user }) => service.reply(user, params.id, body)),
    route(review.resolve, ({ params }, { user }) => service.resolve(user, params.id)),
    route(review.reopen, ({ params }, { user }) => service.reopen(user, params.id)),
    route(review.applySuggestions, ({ params, body }, { user }) =>
      applySuggestions.execute(user, params.id, body),
    ),
    route(review.watch, ({ params }, { user }) => service.watch(user, params.id)),
    route(review.unwatch, ({ params }, { user }) => service.unwatch(user, params.id)),
  ];
}
