import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { isUniqueViolation } from "../src/db/constraint-errors.ts";
import { migrateToLatest, openDatabase, type SqlDatabase } from "../src/db/database.ts";
import { migrations } from "../src/db/migrations/index.ts";
import { describeEachBackend } from "./support/backends.ts";
import { testEnvironment } from "./support/test-server.ts";

describeEachBackend("database layer", (backend) => {
  let database: SqlDatabase;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const environment = await testEnvironment(backend);
    cleanup = environment.cleanup;
    database = openDatabase(environment.env.DATABASE_URL ?? `sqlite:${environment.env.DATA_DIR}/test.db`);
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await cleanup?.();
  });

  const newUser = (email: string) => ({
    email,
    password_hash: "x",
    nickname: "n",
    career: "WORKING" as const,
    role: "USER" as const,
    status: "ACTIVE" as const,
    created_at: Date.now(),
    updated_at: Date.now(),
  });

  it("applies every migration once; a second run applies none", async () => {
    const tables = await database.db.introspection.getTables();
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["users", "refresh_tokens"]));
    expect(await migrateToLatest(database.db)).toEqual([]);
    const applied = await database.db
      .selectFrom("kysely_migration" as never)
      .select(sql<string>`name`.as("name"))
      .execute();
    expect(applied.map((row) => row.name)).toEqual(Object.keys(migrations));
  });

  it("stores epoch milliseconds and counts as JSON numbers", async () => {
    const at = 1_795_000_000_123;
    await database.db
      .insertInto("users")
      .values({ ...newUser("time@example.com"), created_at: at })
      .execute();
    const row = await database.db
      .selectFrom("users")
      .select(["created_at", "points"])
      .where("email", "=", "time@example.com")
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe(at);
    expect(row.points).toBe(0);
    const { total } = await database.db
      .selectFrom("users")
      .select((eb) => eb.fn.sum<number>("points").as("total"))
      .executeTakeFirstOrThrow();
    expect(Number(total)).toBe(0);
  });

  it("reports a unique-key violation the same way on every dialect", async () => {
    await database.db.insertInto("users").values(newUser("dup@example.com")).execute();
    const error = await database.db
      .insertInto("users")
      .values(newUser("dup@example.com"))
      .execute()
      .catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it("rolls a failed transaction back completely", async () => {
    await expect(
      database.transaction(async (tx) => {
        await tx.insertInto("users").values(newUser("rollback@example.com")).execute();
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    const found = await database.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "rollback@example.com")
      .execute();
    expect(found).toEqual([]);
  });

  it("keeps every one of 100 concurrent atomic increments", async () => {
    const { insertId } = await database.db
      .insertInto("users")
      .values(newUser("counter@example.com"))
      .executeTakeFirstOrThrow();
    const id = Number(insertId);
    await Promise.all(
      Array.from({ length: 100 }, () =>
        database.transaction((tx) =>
          tx
            .updateTable("users")
            .set((eb) => ({ points: eb("points", "+", 10) }))
            .where("id", "=", id)
            .execute(),
        ),
      ),
    );
    const row = await database.db
      .selectFrom("users")
      .select("points")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.points).toBe(1000);
  });
});
