import { beforeAll, expect, it } from "vitest";
import type { KeywordRanking, SearchDocument, SearchIndex } from "../../src/ports.ts";

const JAVA = { id: 1, name: "Java" };
const SPRING = { id: 2, name: "Spring" };
const FRONTEND = { id: 3, name: "Frontend" };

export const documents = {
  review: {
    id: 101,
    version: 1,
    title: "코드 리뷰 요청합니다",
    contents: "포인트 차감에 비관적 락과 낙관적 락 중 무엇을 써야 할까요? 코드 리뷰 부탁드립니다.",
    categories: [JAVA],
  },
  pessimistic: {
    id: 102,
    version: 1,
    title: "Spring transaction isolation",
    contents: "How does pessimistic locking work in JPA? We use SELECT ... FOR UPDATE <b>today</b>.",
    categories: [SPRING, JAVA],
  },
  react: {
    id: 103,
    version: 1,
    title: "리액트 상태 관리",
    contents: "Redux 대신 Zustand를 쓰는 이유가 궁금합니다.",
    categories: [FRONTEND],
  },
  lockFree: {
    id: 104,
    version: 1,
    title: "락 없이 동시성 처리",
    contents: "원자적 UPDATE 한 번이면 락이 필요 없습니다.",
    categories: [JAVA],
  },
  lockCompare: {
    id: 105,
    version: 1,
    title: "비관적 락과 낙관적 락 비교",
    contents: "포인트 차감처럼 충돌이 잦으면 비관적 락, 드물면 낙관적 락이 낫습니다.",
    categories: [JAVA],
  },
  kyselyGuide: {
    id: 106,
    version: 1,
    title: "Kysely migration guide",
    contents: "Run the Migrator once at start.",
    categories: [],
  },
  kyselyMention: {
    id: 107,
    version: 1,
    title: "Node 24 setup",
    contents: "We also tried kysely on this machine.",
    categories: [],
  },
} satisfies Record<string, SearchDocument>;

/** What every SearchIndex adapter must do, whatever engine is behind it. */
export function searchIndexContract(open: () => Promise<SearchIndex>): void {
  let index: SearchIndex;
  const ids = async (text: string, categoryId?: number) =>
    (await index.search({ text, categoryId, page: 1, size: 20 })).hits.map((hit) => hit.id);

  beforeAll(async () => {
    index = await open();
    await index.clear();
    const [first, ...rest] = Object.values(documents);
    if (first) await index.index(first);
    await index.indexMany(rest);
  });

  it("finds two-syllable and one-syllable Korean words and a Korean phrase", async () => {
    expect(await ids("리뷰")).toEqual([101]);
    expect(await ids("코드")).toEqual([101]);
    expect((await ids("락")).sort()).toEqual([101, 104, 105]);
    expect((await ids("비관적 락")).sort()).toEqual([101, 105]);
  });

  it("finds English words whatever their case, and category names", async () => {
    expect(await ids("PESSIMISTIC")).toEqual([102]);
    expect(await ids("spring")).toEqual([102]);
    expect(await ids("frontend")).toEqual([103]);
    expect(await ids("no such word anywhere")).toEqual([]);
  });

  it("ranks a title match above a contents-only match", async () => {
    expect((await ids("비관적 락"))[0]).toBe(105);
    expect(await ids("kysely")).toEqual([106, 107]);
  });

  it("filters by category and pages through the results with a total", async () => {
    expect((await ids("락", JAVA.id)).sort()).toEqual([101, 104, 105]);
    expect(await ids("락", FRONTEND.id)).toEqual([]);
    const first = await index.search({ text: "락", page: 1, size: 2 });
    const second = await index.search({ text: "락", page: 2, size: 2 });
    expect(first.total).toBe(3);
    expect(second.total).toBe(3);
    expect(first.hits).toHaveLength(2);
    expect(second.hits).toHaveLength(1);
    expect(new Set([...first.hits, ...second.hits].map((h) => h.id)).size).toBe(3);
  });

  it("highlights matches in an HTML-escaped snippet", async () => {
    const [review] = (await index.search({ text: "리뷰", page: 1, size: 1 })).hits;
    expect(review?.snippet).toContain("<mark>리뷰</mark>");
    expect(review?.score).toBeGreaterThan(0);
    const [english] = (await index.search({ text: "locking", page: 1, size: 1 })).hits;
    expect(english?.snippet).toContain("<mark>locking</mark>");
    expect(english?.snippet).not.toContain("<b>");
  });

  it("treats quotes and LIKE wildcards in the query as plain text", async () => {
    expect(await ids('"')).toEqual([]);
    expect(await ids("%")).toEqual([]);
    expect(await ids("_")).toEqual([]);
    expect(await ids('락" OR "리뷰')).toEqual([]);
    expect(await ids("NEAR(리뷰 코드)")).toEqual([]);
    expect(await ids("*")).toEqual([]);
    expect(await ids("🙂🙂🙂 ^title:")).toEqual([]);
  });

  it("replaces a document on re-index and forgets a removed one", async () => {
    await index.index({ ...documents.react, title: "뷰 상태 관리", contents: "Pinia 로 바꿨습니다" });
    expect(await ids("리액트")).toEqual([]);
    expect(await ids("pinia")).toEqual([103]);
    await index.remove(103);
    expect(await ids("pinia")).toEqual([]);
    await index.remove(103);
    // Elasticsearch keeps a removed document's version for a while: only a newer one comes back.
    await index.index({ ...documents.react, version: 10 });
    expect(await ids("리액트")).toEqual([103]);
  });

  it("keeps a newer version when an older one arrives late", async () => {
    await index.index({ ...documents.lockFree, version: 3, contents: "세 번째 판" });
    await index.index({ ...documents.lockFree, version: 2, contents: "두 번째 판" });
    await index.indexMany([{ ...documents.lockFree, version: 2, contents: "두 번째 판" }]);
    expect(await ids("세 번째")).toEqual([104]);
    expect(await ids("두 번째")).toEqual([]);
    await index.index(documents.lockFree);
    expect(await ids("세 번째")).toEqual([104]);
    await index.remove(104);
    await index.index({ ...documents.lockFree, version: 10 });
    expect(await ids("원자적")).toEqual([104]);
  });

  it("finds similar documents by shared rare words, never the document itself", async () => {
    const similar = (await index.similar(105, 10)).map((hit) => hit.id);
    expect(similar[0]).toBe(101);
    expect(similar).not.toContain(105);
    expect(await index.similar(999_999, 10)).toEqual([]);
    await index.remove(101);
    expect((await index.similar(105, 10)).map((hit) => hit.id)).not.toContain(101);
    await index.index({ ...documents.review, version: 10 });
  });
}

/** What every KeywordRanking adapter must do. */
export function keywordRankingContract(
  open: () => Promise<{ ranking: KeywordRanking; log(keyword: string, at: number): Promise<void> }>,
): void {
  it("counts keywords in the window, most searched first, ties by keyword", async () => {
    const { ranking, log } = await open();
    const now = Date.now();
    const searches = { 락: 3, 리뷰: 2, spring: 2, kysely: 1 };
    for (const [keyword, times] of Object.entries(searches)) {
      for (let i = 0; i < times; i++) await log(keyword, now - i * 1000);
    }
    await log("old news", now - 3 * 3600_000);
    expect(await ranking.top(3600_000, 10)).toEqual([
      { keyword: "락", count: 3 },
      { keyword: "spring", count: 2 },
      { keyword: "리뷰", count: 2 },
      { keyword: "kysely", count: 1 },
    ]);
    expect(await ranking.top(3600_000, 2)).toHaveLength(2);
    expect((await ranking.top(4 * 3600_000, 10)).map((k) => k.keyword)).toContain("old news");
  });
}
