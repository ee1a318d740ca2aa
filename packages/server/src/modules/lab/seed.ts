import { raiseGeneration } from "../../db/counters.ts";
import type { Db } from "../../db/database.ts";
import { HOUR_MS } from "../../ports.ts";

const WORDS = ["redis", "kysely", "koa", "mariadb", "typescript", "review", "lock", "cache", "index", "sql"];
const BATCH = 1000;

export interface SeedRequest {
  users: number;
  boards: number;
  /** Boards viewed in each of the last 25 hours. */
  viewedPerHour: number;
  ledger: number;
  /** Search-log rows spread over the last day, keywords drawn with a skew. */
  searches: number;
  /** Index the boards for search afterwards. */
  index: boolean;
}

const random = (below: number) => Math.floor(Math.random() * below);

async function insertAll<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

async function firstId(db: Db, table: "users" | "boards"): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirstOrThrow();
  return Number(row.id ?? 0) + 1;
}

/**
 * Bench data straight into the tables: users of both careers, boards whose titles mix ten words (so a word is in
 * about a tenth of them, and `rare-N` in one), a day of hourly views, ledger rows with their balances, and
 * searches. Returns the first ids so the bench can address what it made.
 */
export async function seed(db: Db, request: SeedRequest, now = Date.now()) {
  const users = await firstId(db, "users");
  const boards = await firstId(db, "boards");
  const userId = () => users + random(Math.max(1, request.users));
  await insertAll(
    Array.from({ length: request.users }, (_, i) => ({
      email: `bench-${users + i}@example.com`,
      password_hash: "not-a-hash",
      nickname: `bench-${users + i}`,
      career: i % 2 === 0 ? ("WORKING" as const) : ("ASPIRING" as const),
      role: "USER" as const,
      status: "ACTIVE" as const,
      created_at: now,
      updated_at: now,
    })),
    (batch) => db.insertInto("users").values(batch).execute(),
  );
  await insertAll(
    Array.from({ length: request.boards }, (_, i) => ({
      author_id: userId(),
      title: `Board ${i}: ${WORDS[i % WORDS.length]} and ${WORDS[(i * 7 + 3) % WORDS.length]}${i % 1000 === 0 ? ` rare-${i / 1000}` : ""}`,
      contents: `Please review my ${WORDS[(i * 3) % WORDS.length]} code, number ${i}.`,
      created_at: now - random(30 * 24) * HOUR_MS,
      updated_at: now,
    })),
    (batch) => db.insertInto("boards").values(batch).execute(),
  );
  const thisHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const views: { board_id: number; hour_start_ms: number; views: number }[] = [];
  for (let hour = 0; hour <= 24 && request.boards > 0; hour++) {
    const viewed = new Set(
      Array.from({ length: request.viewedPerHour }, () => boards + random(request.boards)),
    );
    for (const board of viewed)
      views.push({ board_id: board, hour_start_ms: thisHour - hour * HOUR_MS, views: 1 + random(50) });
  }
  await insertAll(views, (batch) => db.insertInto("board_views_hourly").values(batch).execute());
  const balances = new Map<number, number>();
  const ledger = Array.from({ length: request.users > 0 ? request.ledger : 0 }, (_, i) => {
    const user = userId();
    const delta = 1 + random(100);
    const balance = (balances.get(user) ?? 0) + delta;
    balances.set(user, balance);
    return {
      user_id: user,
      delta,
      reason: "bench",
      reference: null,
      idempotency_key: `bench:${users}:${i}`,
      balance_after: balance,
      created_at: now - (request.ledger - i) * Math.floor((60 * 24 * HOUR_MS) / Math.max(1, request.ledger)),
    };
  });
  await insertAll(ledger, (batch) => db.insertInto("point_ledger").values(batch).execute());
  for (const [user, points] of balances)
    await db.updateTable("users").set({ points }).where("id", "=", user).execute();
  const searches = Array.from({ length: request.searches }, () => ({
    keyword: WORDS[Math.min(WORDS.length - 1, Math.floor(-Math.log(1 - Math.random()) * 2.5))] ?? "redis",
    user_id: null,
    created_at: now - random(24 * HOUR_MS),
  }));
  await insertAll(searches, (batch) => db.insertInto("search_log").values(batch).execute());
  // Each seeded search by a searcher of its own: every one counts toward the keyword ranking.
  await insertAll(
    searches.map(({ keyword, created_at }, i) => ({
      hour_start_ms: Math.floor(created_at / HOUR_MS) * HOUR_MS,
      keyword,
      searcher: `a:bench-${i}`,
      created_at,
    })),
    (batch) => db.insertInto("keyword_searchers").values(batch).execute(),
  );
  await raiseGeneration(db, "keyword_generation");
  return {
    firstUser: users,
    firstBoard: boards,
    views: views.length,
    ledger: ledger.length,
    searches: searches.length,
  };
}
