import type { PublicUser, User, UserRef } from "@codechef/contract";
import { iso } from "../../shared/time.ts";
import type { UserRow } from "../../shared/user-row.ts";

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
