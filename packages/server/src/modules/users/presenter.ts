import type { PublicUser, User, UserRef } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { UsersTable } from "../../db/schema.ts";

export type UserRow = Selectable<UsersTable>;

export const iso = (epochMs: number): string => new Date(Number(epochMs)).toISOString();

export function presentPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    nickname: row.nickname,
    career: row.career,
    role: row.role,
    status: row.status,
    createdAt: iso(row.created_at),
  };
}

export function presentUser(row: UserRow): User {
  return { ...presentPublicUser(row), email: row.email };
}

export function presentUserRef(row: Pick<UserRow, "id" | "nickname">): UserRef {
  return { id: row.id, nickname: row.nickname };
}
