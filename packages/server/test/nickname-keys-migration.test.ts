import { Migrator } from "kysely/migration";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDatabase, type SqlDatabase } from "../src/db/database.ts";
import { migrations } from "../src/db/migrations/index.ts";
import { nicknameKey } from "../src/shared/nicknames.ts";
import { describeEachBackend } from "./support/backends.ts";
import { testEnvironment } from "./support/test-server.ts";

describeEachBackend("migration 007: nickname keys", (backend) => {
  let database: SqlDatabase;
  let cleanup: () => Promise<void>;
  const migrator = () =>
    new Migrator({ db: database.db, provider: { getMigrations: async () => migrations } });

  beforeAll(async () => {
    const environment = await testEnvironment(backend);
    cleanup = environment.cleanup;
    database = openDatabase(environment.env.DATABASE_URL ?? `sqlite:${environment.env.DATA_DIR}/test.db`);
    const before = await migrator().migrateTo("005-rankings");
    if (before.error) throw before.error;
  });
  afterAll(async () => {
    await database?.close();
    await cleanup?.();
  });

  it("keys existing accounts, look-alikes already taken included, and keeps their nicknames", async () => {
    const user = (email: string, nickname: string) => ({
      email,
      password_hash: "x",
      nickname,
      career: "WORKING" as const,
      role: "USER" as const,
      status: "ACTIVE" as const,
      created_at: Date.now(),
      updated_at: Date.now(),
    });
    const db = database.db;
    for (const [email, nickname] of [
      ["a@example.com", "alice"],
      ["b@example.com", "ALICE"],
      ["c@example.com", "bob"],
    ] as const) {
      await database.db
        .insertInto("users")
        .values(user(email, nickname) as never)
        .execute();
    }
    const after = await migrator().migrateToLatest();
    expect(after.error).toBeUndefined();
    const rows = await db
      .selectFrom("users")
      .select(["email", "nickname", "nickname_key"])
      .orderBy("id")
      .execute();
    expect(rows.map((r) => r.nickname)).toEqual(["alice", "ALICE", "bob"]);
    expect(rows[0]?.nickname_key).toBe(nicknameKey("alice"));
    expect(rows[2]?.nickname_key).toBe(nicknameKey("bob"));
    expect(new Set(rows.map((r) => r.nickname_key)).size).toBe(3);
    // A newcomer cannot take the skeleton the oldest holder keeps.
    await expect(
      db
        .insertInto("users")
        .values({ ...user("d@example.com", "Alice"), nickname_key: nicknameKey("Alice") })
        .execute(),
    ).rejects.toThrow();
  });
});
