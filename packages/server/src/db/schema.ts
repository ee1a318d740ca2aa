import type { Generated } from "kysely";

/** Times are epoch milliseconds on every dialect; presenters turn them into ISO-8601. */
export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  nickname: string;
  career: "WORKING" | "ASPIRING";
  role: "USER" | "ADMIN";
  status: "ACTIVE" | "BLOCKED";
  warning_count: Generated<number>;
  points: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface RefreshTokensTable {
  id: Generated<number>;
  user_id: number;
  family_id: string;
  token_hash: string;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
}
