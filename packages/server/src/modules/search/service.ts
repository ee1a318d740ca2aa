import type {
  KeywordRanking as KeywordRankingBody,
  KeywordWindow,
  SearchBoardsQuery,
  SearchHit,
} from "@codechef/contract";
import { type Actor, actorKey } from "../../db/first-per-hour.ts";
import type { Logger } from "../../logger.ts";
import type { BoardDocuments, KeywordRanking, SearchIndex } from "../../ports.ts";
import { NotFoundError, ServiceUnavailableError } from "../../shared/errors.ts";
import type { SearchLogRepository } from "./repository.ts";

const HOUR_MS = 3600_000;
export const KEYWORD_WINDOWS_MS: Record<KeywordWindow, number> = {
  "1h": HOUR_MS,
  "24h": 24 * HOUR_MS,
  "7d": 7 * 24 * HOUR_MS,
};
/** How long a searcher's row is kept: the longest keyword window, and the hour it starts in. */
export const KEYWORD_HOURS_KEPT = Math.max(...Object.values(KEYWORD_WINDOWS_MS)) / HOUR_MS + 1;
/** Extra similar hits asked for, so boards deleted since they were indexed can be dropped. */
const SIMILAR_SLACK = 5;

export interface SearchServiceDeps {
  log: SearchLogRepository;
  index: SearchIndex;
  ranking: KeywordRanking;
  boards: BoardDocuments;
  logger: Logger;
}

export class SearchService {
  readonly #deps: SearchServiceDeps;

  constructor(deps: SearchServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Logs the search (zero-result ones too) and answers it with live boards only. The keyword counts once per
   * searcher per hour. Counting it overlaps the search: on Elasticsearch it waits for
   * a refresh so that the next ranking read sees it.
   */
  async searchBoards(query: SearchBoardsQuery, searcher: Actor) {
    const { index, boards } = this.#deps;
    const [{ hits, total, live }] = await Promise.all([
      unavailableOnFailure(() =>
        index.search({ text: query.q, categoryId: query.categoryId, page: query.page, size: query.size }),
      ),
      this.#log(query.q, searcher),
    ]);
    const items = live ? hits : await this.#live(hits, boards);
    // A board deleted while the index lagged is not counted either.
    return { items, page: query.page, size: query.size, total: total - (hits.length - items.length) };
  }

  async similarBoards(id: number, limit: number): Promise<{ items: SearchHit[] }> {
    const { index, boards } = this.#deps;
    if (!(await boards.liveTitles([id])).has(id)) throw new NotFoundError("board");
    const hits = await unavailableOnFailure(() => index.similar(id, limit + SIMILAR_SLACK));
    const live = await this.#live(
      hits.filter((hit) => hit.id !== id),
      boards,
    );
    return { items: live.slice(0, limit) };
  }

  async keywordRanking(window: KeywordWindow, limit: number): Promise<KeywordRankingBody> {
    const items = await this.#deps.ranking.top(KEYWORD_WINDOWS_MS[window], limit);
    return { window, items };
  }

  async #log(keyword: string, searcher: Actor): Promise<void> {
    const { log, ranking, logger } = this.#deps;
    const at = Date.now();
    const [, first] = await Promise.all([
      log.add(keyword, searcher.user?.id ?? null, at),
      log.firstThisHour(keyword, actorKey(searcher), at),
    ]);
    if (!first) return;
    // The log row is the record; an unavailable ranking engine must not fail the search itself.
    await ranking.add(keyword, at).catch((error: unknown) => {
      logger.warn("keyword ranking update failed", { error: String(error) });
    });
  }

  /** The hits whose boards still exist, with their current titles. */
  async #live(hits: SearchHit[], boards: BoardDocuments): Promise<SearchHit[]> {
    const titles = await boards.liveTitles(hits.map((hit) => hit.id));
    return hits.flatMap((hit) => {
      const title = titles.get(hit.id);
      return title === undefined ? [] : [{ ...hit, title }];
    });
  }
}

/** An index that cannot answer is a 503 the client may retry, not a 500. */
async function unavailableOnFailure<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new ServiceUnavailableError("search", String(error));
  }
}
