import type { Kysely } from "kysely";
import { nicknameKey } from "../../shared/nicknames.ts";

/**
 * Nicknames are unique by their confusable skeleton (Unicode TR39). Accounts that already share a skeleton keep
 * their nicknames: the oldest holds the key, each later one a key of its own. Rows inserted without a key (tools,
 * fixtures) are not constrained.
 */
export async function up(unknownDb: Kysely<unknown>): Promise<void> {
  const db = unknownDb as Kysely<{ users: { id: number; nickname: string; nickname_key: string | null } }>;
  await db.schema.alterTable("users").addColumn("nickname_key", "char(64)").execute();
  const users = await db.selectFrom("users").select(["id", "nickname"]).orderBy("id").execute();
  const taken = new Set<string>();
  for (const { id, nickname } of users) {
    let key = nicknameKey(nickname);
    if (taken.has(key)) key = nicknameKey(`${nickname}#${id}`);
    taken.add(key);
    await db.updateTable("users").set({ nickname_key: key }).where("id", "=", id).execute();
  }
  await db.schema.createIndex("users_nickname_key").unique().on("users").column("nickname_key").execute();
}
