import { normalizeKeyword } from "@codechef/contract";
import type { CodeChef } from "@codechef/sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rebuildSearchIndex } from "../src/modules/search/rebuild.ts";
import { SqlBoardDocuments } from "../src/modules/search/repository.ts";
import { describeEachBackend } from "./support/backends.ts";
import { manyUsers } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { FlakySearchIndex } from "./support/flaky-search-index.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("search API", (backend) => {
  let server: TestServer;
  let flaky: FlakySearchIndex;
  let author: CodeChef;
  let admin: CodeChef;
  let java: number;
  let spring: number;
  const boards = { review: 0, jpa: 0, lockFree: 0, compare: 0, react: 0 };
  /** Waits until the relay has fed every committed change to the index. */
  const indexed = () => server.container.search.outbox.drain();
  /** What the index itself holds, before the API drops boards that no longer exist. */
  const indexedIds = async (text: string) =>
    (await server.container.search.index.search({ text, page: 1, size: 20 })).hits.map((hit) => hit.id);
  const ids = async (q: string, extra: { categoryId?: number } = {}) =>
    (await server.client().search.boards({ q, ...extra })).items.map((item) => item.id);

  beforeAll(async () => {
    server = await startTestServer(
      backend,
      {},
      {
        searchIndex: (chosen) => {
          flaky = new FlakySearchIndex(chosen);
          return flaky;
        },
      },
    );
    ({ client: admin } = await signedInAdmin(server));
    java = (await admin.categories.create({ type: "LANGUAGE", name: "Java" })).id;
    spring = (await admin.categories.create({ type: "FRAMEWORK", name: "Spring" })).id;
    ({ client: author } = await signedInUser(server));
    const create = async (
      key: keyof typeof boards,
      title: string,
      contents: string,
      categoryIds: number[],
    ) => {
      boards[key] = (await author.boards.create({ title, contents, categoryIds })).id;
    };
    await create(
      "review",
      "코드 리뷰 요청합니다",
      "포인트 차감에 비관적 락과 낙관적 락 중 무엇을 써야 할까요? 리뷰 부탁드립니다.",
      [java],
    );
    await create(
      "jpa",
      "Transaction isolation in JPA",
      "How does pessimistic locking work? SELECT ... FOR UPDATE",
      [spring],
    );
    await create("lockFree", "락 없이 동시성 처리", "원자적 UPDATE 한 번이면 락이 필요 없습니다.", [java]);
    await create(
      "compare",
      "비관적 락과 낙관적 락 비교",
      "충돌이 잦으면 비관적 락, 드물면 낙관적 락이 낫습니다.",
      [java],
    );
    await create("react", "리액트 상태 관리", "Redux 대신 Zustand를 쓰는 이유", []);
    await indexed();
  });
  afterAll(() => server?.stop());

  it("finds Korean and English words in titles, contents and category names, most relevant first", async () => {
    expect(await ids("리뷰")).toEqual([boards.review]);
    expect(await ids("코드")).toEqual([boards.review]);
    expect((await ids("락")).sort()).toEqual([boards.review, boards.lockFree, boards.compare].sort());
    expect(await ids("비관적 락")).toEqual([boards.compare, boards.review]);
    expect(await ids("Pessimistic")).toEqual([boards.jpa]);
    expect(await ids("spring")).toEqual([boards.jpa]);
    expect(await ids("락", { categoryId: spring })).toEqual([]);
    expect(await ids("update", { categoryId: java })).toEqual([boards.lockFree]);

    const page = await server.client().search.boards({ q: "락", page: 2, size: 2 });
    expect(page).toMatchObject({ page: 2, size: 2, total: 3 });
    expect(page.items).toHaveLength(1);
    const [hit] = (await server.client().search.boards({ q: "리뷰" })).items;
    expect(hit).toEqual({
      id: boards.review,
      title: "코드 리뷰 요청합니다",
      snippet: expect.stringContaining("<mark>리뷰</mark>"),
      score: expect.any(Number),
    });
    const all = [];
    for await (const item of server.client().search.boards({ q: "락", size: 1 })) all.push(item.id);
    expect(all.sort()).toEqual([boards.review, boards.lockFree, boards.compare].sort());
  });

  it("never returns a deleted board, even before the index has caught up", async () => {
    const { id } = await author.boards.create({
      title: "곧 지울 글",
      contents: "삭제될 유니콘 이야기",
      categoryIds: [],
    });
    await indexed();
    expect(await ids("유니콘")).toEqual([id]);
    flaky.down = true;
    await author.boards.delete(id);
    flaky.down = false;
    expect(await ids("유니콘")).toEqual([]);
    expect((await server.client().search.boards({ q: "유니콘" })).total).toBe(0);
    await indexed();
    expect(await ids("유니콘")).toEqual([]);
    expect(await indexedIds("유니콘")).toEqual([]);
    expect((await server.client().boards.similar(boards.compare)).items.map((i) => i.id)).not.toContain(id);
  });

  it("catches up after the index was down while boards were created, edited and deleted", async () => {
    flaky.down = true;
    const created = await author.boards.create({
      title: "Kysely 마이그레이션",
      contents: "Migrator 순서 문제",
      categoryIds: [java],
    });
    await author.boards.update(boards.react, { title: "뷰 상태 관리", contents: "Pinia 로 바꿨습니다" });
    const doomed = await author.boards.create({ title: "임시 글", contents: "사라질 펭귄", categoryIds: [] });
    await author.boards.delete(doomed.id);
    await expect(indexed()).rejects.toThrow("unreachable");
    const down = await raw(server, "GET", "/api/v1/search/boards?q=kysely");
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe("SERVICE_UNAVAILABLE");

    flaky.down = false;
    await indexed();
    expect(await ids("kysely")).toEqual([created.id]);
    expect(await ids("pinia")).toEqual([boards.react]);
    expect(await ids("리액트")).toEqual([]);
    expect(await ids("펭귄")).toEqual([]);
    expect(await indexedIds("펭귄")).toEqual([]);
    expect(await server.container.database.db.selectFrom("search_outbox").selectAll().execute()).toEqual([]);
  });

  it("follows a category rename on every board that carries it", async () => {
    await admin.categories.update(spring, { name: "Springboot" });
    await indexed();
    expect(await ids("springboot")).toEqual([boards.jpa]);
    await admin.categories.update(spring, { name: "Spring" });
    await indexed();
    expect(await ids("springboot")).toEqual([]);
  });

  it("rebuilds the index from the database", async () => {
    const { index } = server.container.search;
    await index.clear();
    expect(await ids("리뷰")).toEqual([]);
    const count = await rebuildSearchIndex(index, new SqlBoardDocuments(server.container.database.db));
    expect(count).toBeGreaterThanOrEqual(Object.keys(boards).length);
    expect(await ids("리뷰")).toEqual([boards.review]);
    expect(await ids("spring")).toEqual([boards.jpa]);
  });

  it("lists boards sharing rare words, never the board itself; 404 for an unknown board", async () => {
    const similar = (await server.client().boards.similar(boards.compare, { limit: 3 })).items;
    expect(similar[0]?.id).toBe(boards.review);
    expect(similar.map((item) => item.id)).not.toContain(boards.compare);
    expect(similar.length).toBeLessThanOrEqual(3);
    const unknown = await raw(server, "GET", "/api/v1/boards/999999/similar");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
  });

  it("rejects an empty, blank, missing or over-long query with details, and logs none of them", async () => {
    const before = await server.container.database.db.selectFrom("search_log").selectAll().execute();
    for (const query of ["?q=", "?q=%20%20%20", "", `?q=${"가".repeat(101)}`]) {
      const response = await raw(server, "GET", `/api/v1/search/boards${query}`);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("INVALID_INPUT");
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toEqual(["query.q"]);
    }
    const tooBig = await raw(server, "GET", "/api/v1/search/boards?q=a&size=101&categoryId=x");
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "query.categoryId",
      "query.size",
    ]);
    const hundred = await raw(server, "GET", `/api/v1/search/boards?q=${"가".repeat(100)}`);
    expect(hundred.status).toBe(200);
    const after = await server.container.database.db.selectFrom("search_log").selectAll().execute();
    expect(after.length).toBe(before.length + 1);
  });
});

describeEachBackend("popular search keywords", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  it("ranks keywords by searchers, once per searcher per hour: normalised, anonymous and zero-result ones included", async () => {
    const [first, second, third] = await manyUsers(server, 3);
    if (!first || !second || !third) throw new Error("users not created");
    const anonymous = server.client();
    for (const q of ["Kysely", "  KYSELY  ", "kysely", "코드   리뷰", "코드 리뷰", "no such thing"]) {
      await anonymous.search.boards({ q });
    }
    for (const q of ["kysely", "KYSELY", "코드 리뷰"]) await first.client.search.boards({ q });
    await second.client.search.boards({ q: "Kysely" });
    await third.client.search.boards({ q: "코드 리뷰" });

    const ranking = await anonymous.rankings.keywords({ window: "1h", limit: 10 });
    expect(ranking).toEqual({
      window: "1h",
      items: [
        { keyword: "kysely", count: 3 },
        { keyword: "코드 리뷰", count: 3 },
        { keyword: "no such thing", count: 1 },
      ],
    });
    expect((await anonymous.rankings.keywords({ window: "7d", limit: 1 })).items).toEqual([
      { keyword: "kysely", count: 3 },
    ]);
    // Every search is logged, counted or not.
    const logged = await server.container.database.db
      .selectFrom("search_log")
      .select(["keyword", "user_id"])
      .where("user_id", "=", first.id)
      .execute();
    expect(logged.map((row) => row.keyword)).toEqual(["kysely", "kysely", "코드 리뷰"]);
  });

  it("logs every search of a burst at once and counts each searcher once", async () => {
    const users = await manyUsers(server, 3);
    const anonymous = server.client();
    const searchers = [...users.map((user) => user.client), anonymous];
    await Promise.all(
      searchers.flatMap((client) =>
        Array.from({ length: 10 }, () => client.search.boards({ q: "burst keyword" })),
      ),
    );
    const { items } = await anonymous.rankings.keywords({ window: "1h", limit: 100 });
    expect(items).toContainEqual({ keyword: "burst keyword", count: 4 });
    const logged = await server.container.database.db
      .selectFrom("search_log")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("keyword", "=", "burst keyword")
      .executeTakeFirstOrThrow();
    expect(Number(logged.n)).toBe(40);
  });

  it("counts a searcher's keyword again in the next hour", async () => {
    const anonymous = server.client();
    const count = async () =>
      (await anonymous.rankings.keywords({ window: "24h", limit: 100 })).items.find(
        (item) => item.keyword === "hourly keyword",
      )?.count;
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      await anonymous.search.boards({ q: "hourly keyword" });
      await anonymous.search.boards({ q: "hourly keyword" });
      expect(await count()).toBe(1);
      vi.setSystemTime(Date.now() + 3_600_000);
      await anonymous.search.boards({ q: "hourly keyword" });
      expect(await count()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows a search in the very next ranking read", async () => {
    const client = server.client();
    await client.search.boards({ q: "once only keyword" });
    const { items } = await client.rankings.keywords({ window: "24h", limit: 100 });
    expect(items).toContainEqual({ keyword: "once only keyword", count: 1 });
  });

  it("rejects an unknown window or limit", async () => {
    const response = await raw(server, "GET", "/api/v1/rankings/keywords?window=2h&limit=0");
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "query.limit",
      "query.window",
    ]);
  });
});

describe("search keyword normalisation", () => {
  it("is NFC, trimmed, lower-cased with inner spaces collapsed", () => {
    expect(normalizeKeyword("  Code\t  REVIEW \n")).toBe("code review");
    expect(normalizeKeyword("\u1100\u1161")).toBe("가");
  });
});
