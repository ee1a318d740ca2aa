import { z } from "zod";
import { Id, IdParams, PageQuery, pageOf, QueryNumber } from "./common.ts";
import { endpoint } from "./endpoint.ts";

export const MAX_KEYWORD_LENGTH = 100;

/** A search as it is run, logged and ranked: NFC, trimmed, lower-cased, inner whitespace collapsed. */
export function normalizeKeyword(text: string): string {
  return text.normalize("NFC").toLowerCase().trim().replace(/\s+/gu, " ");
}

export const Keyword = z
  .string()
  .transform(normalizeKeyword)
  .pipe(
    z
      .string()
      .min(1, "must not be empty")
      .max(MAX_KEYWORD_LENGTH)
      .regex(/^[^\p{Cc}\uFFFD]*$/u, "must not contain control characters or invalid text"),
  );

/** Elasticsearch pages no deeper than 10,000 hits; neither do we, on any engine. */
export const MAX_SEARCH_DEPTH = 10_000;

export const SearchBoardsQuery = PageQuery.extend({ q: Keyword, categoryId: Id.optional() }).refine(
  ({ page, size }) => page * size <= MAX_SEARCH_DEPTH,
  { path: ["page"], message: `page × size must not exceed ${MAX_SEARCH_DEPTH}` },
);
export type SearchBoardsQuery = z.output<typeof SearchBoardsQuery>;

export const SearchHit = z.object({
  id: z.int(),
  title: z.string(),
  snippet: z.string().describe("HTML-escaped text around the first match, matches wrapped in <mark>"),
  score: z.number(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SimilarBoardsQuery = z.object({ limit: QueryNumber.pipe(z.number().min(1).max(20)).default(5) });

export const KeywordWindow = z.enum(["1h", "24h", "7d"]);
export type KeywordWindow = z.infer<typeof KeywordWindow>;

export const KeywordRankingQuery = z.object({
  window: KeywordWindow.default("24h"),
  limit: QueryNumber.pipe(z.number().min(1).max(100)).default(10),
});

export const KeywordRanking = z.object({
  window: KeywordWindow,
  items: z.array(z.object({ keyword: z.string(), count: z.int() })),
});
export type KeywordRanking = z.infer<typeof KeywordRanking>;

export const search = {
  boards: endpoint({
    method: "GET",
    path: "/search/boards",
    summary: "Full-text search of boards (title, contents, category names), most relevant first",
    access: "optional",
    query: SearchBoardsQuery,
    response: pageOf(SearchHit),
  }),
  similarBoards: endpoint({
    method: "GET",
    path: "/boards/:id/similar",
    summary: "Boards that share the rarest words of a board",
    access: "none",
    params: IdParams,
    query: SimilarBoardsQuery,
    response: z.object({ items: z.array(SearchHit) }),
  }),
};

export const keywordRankings = {
  keywords: endpoint({
    method: "GET",
    path: "/rankings/keywords",
    summary: "The most searched keywords in a time window",
    access: "none",
    query: KeywordRankingQuery,
    response: KeywordRanking,
  }),
};
