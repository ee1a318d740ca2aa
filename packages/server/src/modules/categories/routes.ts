import { categories, userCategories } from "@codechef/contract";
import { route } from "../../http/route.ts";
import { presentCategory } from "./presenter.ts";
import type { CategoryRepository } from "./repository.ts";
import type { CategoryService } from "./service.ts";

export function categoryRoutes(service: CategoryService, repository: CategoryRepository) {
  return [
    route(categories.list, async ({ query }) => (await repository.list(query.type)).map(presentCategory)),
    route(categories.create, async ({ body }) => presentCategory(await service.create(body.type, body.name))),
    route(categories.update, async ({ params, body }) =>
      presentCategory(await service.update(params.id, body)),
    ),
    route(categories.delete, async ({ params }) => {
      await service.delete(params.id);
      return undefined;
    }),
    route(userCategories.set, async ({ body }, { user }) =>
      (await service.setForUser(user.id, body.categoryIds)).map(presentCategory),
    ),
  ];
}
