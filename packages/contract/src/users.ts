import { z } from "zod";
import { Category } from "./categories.ts";
import { IdParams, PageQuery, pageOf, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { lineOfText } from "./text.ts";

export const Career = z.enum(["WORKING", "ASPIRING"]);
export type Career = z.infer<typeof Career>;
export const Role = z.enum(["USER", "ADMIN"]);
export type Role = z.infer<typeof Role>;
export const UserStatus = z.enum(["ACTIVE", "BLOCKED"]);
export type UserStatus = z.infer<typeof UserStatus>;

export const Email = z.string().trim().toLowerCase().max(254).pipe(z.email());
export const Password = z.string().min(8).max(128);
export const Nickname = lineOfText(2, 30, { strict: true });

export const PublicUser = z.object({
  id: z.int(),
  nickname: z.string(),
  career: Career,
  role: Role,
  status: UserStatus,
  createdAt: Timestamp,
});
export type PublicUser = z.infer<typeof PublicUser>;

/** A category the user earned review points in (adoptions and applied suggestions on its boards). */
export const CategoryReputation = Category.extend({ points: z.number() });
export type CategoryReputation = z.infer<typeof CategoryReputation>;

/** A public profile: the account and the categories the user reviews best, most points first (up to 5). */
export const UserProfile = PublicUser.extend({ topCategories: z.array(CategoryReputation) });
export type UserProfile = z.infer<typeof UserProfile>;

export const User = PublicUser.extend({ email: z.string() });
export type User = z.infer<typeof User>;

/** The short form embedded in other resources (board author, chat sender). */
export const UserRef = z.object({ id: z.int(), nickname: z.string() });
export type UserRef = z.infer<typeof UserRef>;

export const UpdateMeBody = z
  .object({ nickname: Nickname.optional(), career: Career.optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "nothing to update" });

export const AdminUsersQuery = PageQuery.extend({
  query: z.string().trim().max(100).optional(),
  status: UserStatus.optional(),
});

export const users = {
  me: endpoint({
    method: "GET",
    path: "/users/me",
    summary: "The signed-in user",
    access: "user",
    response: User,
  }),
  updateMe: endpoint({
    method: "PATCH",
    path: "/users/me",
    summary: "Change your nickname or career",
    access: "user",
    body: UpdateMeBody,
    response: User,
    errors: { 409: ["NICKNAME_TAKEN"] },
  }),
  get: endpoint({
    method: "GET",
    path: "/users/:id",
    summary: "A user's public profile, with the categories they review best",
    access: "none",
    params: IdParams,
    response: UserProfile,
  }),
};

export const adminUsers = {
  list: endpoint({
    method: "GET",
    path: "/admin/users",
    summary: "Find users by email or nickname",
    access: "admin",
    query: AdminUsersQuery,
    response: pageOf(User),
  }),
};
