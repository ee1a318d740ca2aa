import { comments } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { AdoptComment } from "./adopt-comment.ts";
import type { CommentService } from "./service.ts";

export function commentRoutes(service: CommentService, adoptComment: AdoptComment) {
  return [
    route(comments.list, ({ params, query }) => service.list(params.id, query.page, query.size)),
    route(comments.create, ({ params, body }, { user }) => service.create(user, params.id, body.contents)),
    route(comments.update, ({ params, body }, { user }) => service.update(user, params.id, body.contents)),
    route(comments.delete, async ({ params }, { user }) => {
      await service.delete(user, params.id);
      return undefined;
    }),
    route(comments.adopt, ({ params }, { user }) => adoptComment.execute(user, params.id)),
  ];
}
