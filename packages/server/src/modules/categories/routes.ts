import { categories, userCategories } from "@codechef/contract";
import { route } from "../../http/route.ts";
import type { CategoryService } from "./service.ts";

export function categoryRoutes(service: CategoryService) {
  return [
    route(categories.list, ({ query }) => service.list(query.type)),
    route(categories.create, ({ body }) => service.create(body.type, body.name)),
    route(categories.update, ({ params, body }) => service.update(params.id, body)),
    route(categories.delete, async ({ params }) => {
      await service.delete(params.id);
      return undefined;
    }),
    route(userCategories.set, ({ body }, { user }) => service.setForUser(user.id, body.categoryIds)),
  ];
}
