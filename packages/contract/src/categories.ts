import { z } from "zod";
import { IdParams } from "./common.ts";
import { endpoint } from "./endpoint.ts";

export const CategoryType = z.enum(["FRAMEWORK", "LANGUAGE"]);
export type CategoryType = z.infer<typeof CategoryType>;

export const Category = z.object({ id: z.int(), type: CategoryType, name: z.string() });
export type Category = z.infer<typeof Category>;

const CategoryName = z.string().trim().min(1).max(50);

export const CategoriesQuery = z.object({ type: CategoryType.optional() });
export type CategoriesQuery = z.input<typeof CategoriesQuery>;

export const CreateCategoryBody = z.object({ type: CategoryType, name: CategoryName });
export type CreateCategoryBody = z.input<typeof CreateCategoryBody>;

export const UpdateCategoryBody = z
  .object({ type: CategoryType.optional(), name: CategoryName.optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "nothing to update" });
export type UpdateCategoryBody = z.input<typeof UpdateCategoryBody>;

/** Category ids attached to a board or a user; repeats are ignored. */
export const CategoryIds = z
  .array(z.number().int().positive())
  .max(20)
  .transform((ids) => [...new Set(ids)]);

export const categories = {
  list: endpoint({
    method: "GET",
    path: "/categories",
    summary: "Categories, optionally of one type",
    access: "none",
    query: CategoriesQuery,
    response: z.array(Category),
  }),
  create: endpoint({
    method: "POST",
    path: "/categories",
    summary: "Create a category (admin); a name is unique per type (409 CATEGORY_EXISTS)",
    access: "admin",
    status: 201,
    body: CreateCategoryBody,
    response: Category,
    location: "/categories/:id",
    errors: { 409: ["CATEGORY_EXISTS"] },
  }),
  update: endpoint({
    method: "PATCH",
    path: "/categories/:id",
    summary: "Rename or retype a category (admin); 409 CATEGORY_EXISTS when the name is taken",
    access: "admin",
    params: IdParams,
    body: UpdateCategoryBody,
    response: Category,
    errors: { 409: ["CATEGORY_EXISTS"] },
  }),
  delete: endpoint({
    method: "DELETE",
    path: "/categories/:id",
    summary:
      "Delete a category (admin). Refused with 409 CATEGORY_IN_USE while any board carries it; " +
      "users' choices of it are removed with it",
    access: "admin",
    status: 204,
    params: IdParams,
    errors: { 409: ["CATEGORY_IN_USE"] },
  }),
};

export const SetCategoriesBody = z.object({ categoryIds: CategoryIds });
export type SetCategoriesBody = z.input<typeof SetCategoriesBody>;

export const userCategories = {
  set: endpoint({
    method: "PUT",
    path: "/users/me/categories",
    summary: "Set your frameworks and languages; answers them",
    access: "user",
    body: SetCategoriesBody,
    response: z.array(Category),
  }),
};
