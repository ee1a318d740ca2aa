import { type Expression, type SqlBool, sql } from "kysely";
import { LRUCache } from "lru-cache";
import { raiseGeneration } from "../../db/counters.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { contains } from "../../db/like.ts";
import type { SearchDocument, SearchHit, SearchIndex, SearchQuery } from "../../ports.ts";
import { KeyedBatches } from "../../shared/batches.ts";
import { codePoints, fold, queryTerms, snippet } from "../../shared/search-text.ts";

/** Title matches weigh most, then category names, then contents. */
const FIELD_WEIGHTS = [
  ["title_key", 3],
  ["categories_key", 2],
  ["contents_key", 1],
] as const;
/** How much of a board's contents is indexed: a large board costs a search what a small one does. */
export const INDEXED_CHARS = 4000;
/** How many index entries one statement walks, or documents it scores: bounded work, whatever the query. */
const CHUNK = 1000;
/** How many matches the cached rankings hold together (tens of bytes each). */
const CACHED_MATCHES = 1_000_000;
/** SQLite's trigram tokenizer matches nothing shorter. */
const TRIGRAM = 3;
/** How many of a board's rarest shared grams "similar" looks for. */
const SIMILAR_GRAMS = 16;
const INSERT_CHUNK = 400;

const ftsPhrase = (term: string) => `"${term.replaceAll('"', '""')}"`;

type Row = { board_id: number; title: string; contents: string; score: number | string };
type Match = { id: number; score: number };

/** Every match of one query at one index generation, most relevant first, and the hits built so far. */
interface Ranking {
  generation: number;
  matches: Match[];
  hits: Map<number, SearchHit>;
}
type RankingQuery = { terms: string[]; categoryId: number | undefined };
type Check = { generation: number; titles: Map<number, string> };

/**
 * The search index in the application's own database. Matching is by substring of the folded text (of the first
 * INDEXED_CHARS characters of the contents): on SQLite an FTS5 trigram table answers queries whose terms all have
 * three characters or more; otherwise (and always on MariaDB, which has no n-gram parser) a table of one- and
 * two-character grams narrows the candidates and `LIKE` confirms them. Both score the same way (weighted
 * occurrences), so both dialects rank alike.
 */
export class SqlSearchIndex implements SearchIndex {
  readonly name = "search";
  readonly #database: SqlDatabase;
  /**
   * Which of a page's boards still exist, with their current titles, and the index's generation, read in one
   * statement for every search that asked while the previous one ran.
   */
  readonly #checks = new KeyedBatches<"check", number[], Check>(async (_, pages) => {
    const ids = [...new Set(pages.flat())];
    const rows = await this.#database.db
      .selectFrom("search_generation as g")
      .leftJoin("boards as b", (join) =>
        this.#checksBoards && ids.length > 0 ? join.on("b.id", "in", ids) : join.on(sql<SqlBool>`1 = 0`),
      )
      .select(["g.generation", "b.id", "b.title"])
      .execute();
    const generation = Number(rows[0]?.generation);
    const titles = new Map(
      rows.flatMap((row) => (row.id === null ? [] : [[row.id, row.title ?? ""] as const])),
    );
    return pages.map(() => ({ generation, titles }));
  }, 100);
  /** The newest ranking computed for each query, by query. */
  readonly #rankings = new LRUCache<string, Ranking>({
    maxSize: CACHED_MATCHES,
    sizeCalculation: (ranking) => Math.max(1, ranking.matches.length),
  });
  /** Rankings being computed, by query and generation: the searches that need one share it. */
  readonly #computing = new Map<string, Promise<Ranking>>();

  readonly #checksBoards: boolean;

  /**
   * `checksBoards`: the index lives beside the boards, so the statement that reads its generation also checks
   * each page against the boards, and the hits come back `live`. Off only for the index tested on its own.
   */
  constructor(database: SqlDatabase, { checksBoards = true }: { checksBoards?: boolean } = {}) {
    this.#database = database;
    this.#checksBoards = checksBoards;
  }

  ping(): Promise<void> {
    return this.#database.ping();
  }

  index(document: SearchDocument): Promise<void> {
    return this.indexMany([document]);
  }

  /** One transaction and multi-row inserts for the whole batch; older versions than the held ones are skipped. */
  async indexMany(documents: SearchDocument[]): Promise<void> {
    if (documents.length === 0) return;
    await this.#database.transaction(async (tx) => {
      const held = await tx
        .selectFrom("search_documents")
        .select(["board_id", "version"])
        .where(
          "board_id",
          "in",
          documents.map((d) => d.id),
        )
        .$if(this.#database.capabilities.rowLocks, (q) => q.forUpdate())
        .execute();
      const heldVersions = new Map(held.map((row) => [row.board_id, Number(row.version)]));
      const fresh = [...latestVersions(documents)].filter(
        (d) => (heldVersions.get(d.id) ?? Number.NEGATIVE_INFINITY) <= d.version,
      );
      if (fresh.length === 0) return;
      await this.#delete(
        tx,
        fresh.map((d) => d.id),
      );
      const rows = fresh.map(toRows);
      const keyed = rows.map((r) => r.document);
      await insertChunked(keyed, (chunk) => tx.insertInto("search_documents").values(chunk).execute());
      if (this.#database.capabilities.trigramFullText) {
        const fts = keyed.map((d) => ({
          rowid: d.board_id,
          title: d.title_key,
          contents: d.contents_key,
          categories: d.categories_key,
        }));
        await insertChunked(fts, (chunk) => tx.insertInto("search_fts").values(chunk).execute());
      }
      await insertChunked(
        rows.flatMap((r) => r.categories),
        (chunk) => tx.insertInto("search_document_categories").values(chunk).execute(),
      );
      await insertChunked(
        rows.flatMap((r) => r.bigrams),
        (chunk) => tx.insertInto("search_bigrams").values(chunk).execute(),
      );
    });
  }

  remove(id: number): Promise<void> {
    return this.#database.transaction((tx) => this.#delete(tx, [id]));
  }

  clear(): Promise<void> {
    return this.#database.transaction(async (tx) => {
      await raiseGeneration(tx, "search_generation");
      await tx.deleteFrom("search_documents").execute();
      await tx.deleteFrom("search_document_categories").execute();
      await tx.deleteFrom("search_bigrams").execute();
      if (this.#database.capabilities.trigramFullText) await tx.deleteFrom("search_fts").execute();
    });
  }

  /**
   * Ranks every match and counts them exactly, and answers only boards that still exist, with their current
   * titles. A query's ranking is computed once per index generation (a statement at a time, each over at most
   * CHUNK entries) and shared until the index changes. Every change raises the generation, and each search reads
   * it in the statement that checks its page against the boards, so it answers from a ranking never older than
   * the index was when it asked.
   */
  async search({ text, categoryId, page, size }: SearchQuery) {
    const terms = queryTerms(text);
    if (terms.length === 0) return { hits: [], total: 0 };
    const query = { terms, categoryId };
    const key = JSON.stringify([categoryId ?? null, terms]);
    const start = (page - 1) * size;
    const pageOf = (ranking: Ranking) => ranking.matches.slice(start, start + size);
    let ranking = this.#rankings.get(key);
    let check = await this.#checks.submit("check", ranking ? pageOf(ranking).map((m) => m.id) : []);
    if (!ranking || ranking.generation < check.generation) {
      ranking = await this.#rankingAt(key, query, check.generation);
      check = await this.#checks.submit(
        "check",
        pageOf(ranking).map((m) => m.id),
      );
    }
    const hits = await this.#hits(ranking, pageOf(ranking), terms);
    if (!this.#checksBoards) return { hits, total: ranking.matches.length };
    const live = hits.flatMap((hit) => {
      const title = check.titles.get(hit.id);
      return title === undefined ? [] : [{ ...hit, title }];
    });
    // A board deleted while the index lagged is not counted either.
    return { hits: live, total: ranking.matches.length - (hits.length - live.length), live: true };
  }

  async similar(id: number, limit: number): Promise<SearchHit[]> {
    const { db } = this.#database;
    const rare = await db
      .selectFrom("search_bigrams")
      .select(["gram", (eb) => eb.fn.countAll<number | string>().as("df")])
      .where("gram", "in", db.selectFrom("search_bigrams").select("gram").where("board_id", "=", id))
      .groupBy("gram")
      .having((eb) => eb.fn.countAll(), ">", 1)
      .orderBy("df")
      .orderBy("gram")
      .limit(SIMILAR_GRAMS)
      .execute();
    if (rare.length === 0) return [];
    const counted = await db
      .selectFrom("search_documents")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .executeTakeFirst();
    const documents = Number(counted?.n ?? 0);
    const idf = new Map(rare.map((r) => [r.gram, Math.log(1 + documents / Number(r.df))]));
    const sharing = await db
      .selectFrom("search_bigrams")
      .select(["board_id", "gram"])
      .where("gram", "in", [...idf.keys()])
      .where("board_id", "<>", id)
      .execute();
    const scores = new Map<number, number>();
    for (const { board_id, gram } of sharing)
      scores.set(board_id, (scores.get(board_id) ?? 0) + (idf.get(gram) ?? 0));
    const best = [...scores].sort(([a, x], [b, y]) => y - x || b - a).slice(0, limit);
    if (best.length === 0) return [];
    const rows = await db
      .selectFrom("search_documents")
      .select(["board_id", "title", "contents"])
      .where(
        "board_id",
        "in",
        best.map(([boardId]) => boardId),
      )
      .execute();
    const byId = new Map(rows.map((row) => [row.board_id, row]));
    return best.flatMap(([boardId, score]) => {
      const row = byId.get(boardId);
      return row ? [toHit({ ...row, score }, [])] : [];
    });
  }

  /** Every change of the index starts here, so this is where the generation is raised. */
  async #delete(tx: Tx, ids: number[]): Promise<void> {
    await raiseGeneration(tx, "search_generation");
    await tx.deleteFrom("search_documents").where("board_id", "in", ids).execute();
    await tx.deleteFrom("search_document_categories").where("board_id", "in", ids).execute();
    await tx.deleteFrom("search_bigrams").where("board_id", "in", ids).execute();
    if (this.#database.capabilities.trigramFullText)
      await tx.deleteFrom("search_fts").where("rowid", "in", ids).execute();
  }

  #rankingAt(key: string, query: RankingQuery, generation: number): Promise<Ranking> {
    const computing = `${generation}:${key}`;
    let ranking = this.#computing.get(computing);
    if (!ranking) {
      ranking = this.#rank(query, generation)
        .then((computed) => {
          // A search that read an older generation must not replace a newer ranking.
          if ((this.#rankings.get(key)?.generation ?? -1) <= generation) this.#rankings.set(key, computed);
          return computed;
        })
        .finally(() => this.#computing.delete(computing));
      this.#computing.set(computing, ranking);
    }
    return ranking;
  }

  /** Every match, scored (reading the index as it is now, at `generation` or newer). */
  async #rank({ terms, categoryId }: RankingQuery, generation: number): Promise<Ranking> {
    const matches: Match[] = [];
    for await (const candidates of this.#candidates(terms)) {
      const rows = await this.#matchingDocuments(terms, categoryId, candidates)
        .select(["d.board_id", this.#score(terms).as("score")])
        .execute();
      for (const row of rows) matches.push({ id: row.board_id, score: Number(row.score) });
    }
    matches.sort((a, b) => b.score - a.score || b.id - a.id);
    return { generation, matches, hits: new Map() };
  }

  /** The page's hits, each built (snippet and title) once per ranking. */
  async #hits(ranking: Ranking, page: Match[], terms: string[]): Promise<SearchHit[]> {
    const missing = page.filter((match) => !ranking.hits.has(match.id));
    if (missing.length > 0) {
      const rows = await this.#database.db
        .selectFrom("search_documents")
        .select(["board_id", "title", "contents"])
        .where(
          "board_id",
          "in",
          missing.map((match) => match.id),
        )
        .execute();
      const scores = new Map(missing.map((match) => [match.id, match.score]));
      for (const row of rows)
        ranking.hits.set(row.board_id, toHit({ ...row, score: scores.get(row.board_id) ?? 0 }, terms));
    }
    return page.flatMap((match) => ranking.hits.get(match.id) ?? []);
  }

  /**
   * Documents that may hold every term, newest first, a chunk at a time: the trigram index's matches, or the
   * documents holding every gram of the terms (found by walking the rarest gram's entries and probing the others).
   */
  async *#candidates(terms: string[]): AsyncIterable<number[]> {
    if (this.#ftsOnly(terms)) {
      const match = terms.map(ftsPhrase).join(" AND ");
      for (let before = Number.MAX_SAFE_INTEGER; ; ) {
        const rows = await this.#database.db
          .selectFrom("search_fts")
          .select("rowid")
          .where(sql<SqlBool>`search_fts match ${match}`)
          .where("rowid", "<", before)
          .orderBy("rowid", "desc")
          .limit(CHUNK)
          .execute();
        if (rows.length > 0) yield rows.map((row) => row.rowid);
        if (rows.length < CHUNK) return;
        before = rows.at(-1)?.rowid ?? 0;
      }
    }
    const [rarest, ...others] = await this.#gramsRarestFirst(terms);
    if (rarest === undefined) return;
    const { db } = this.#database;
    for (let before = Number.MAX_SAFE_INTEGER; ; ) {
      const window = db
        .selectFrom("search_bigrams")
        .select("board_id")
        .where("gram", "=", rarest)
        .where("board_id", "<", before)
        .orderBy("board_id", "desc")
        .limit(CHUNK)
        .as("g");
      const rows = await db
        .selectFrom(window)
        .select((eb) => [
          "g.board_id",
          eb
            .and(
              others.map((gram) =>
                eb.exists(
                  eb
                    .selectFrom("search_bigrams as o")
                    .select(sql.lit(1).as("one"))
                    .where("o.gram", "=", gram)
                    .whereRef("o.board_id", "=", "g.board_id"),
                ),
              ),
            )
            .as("has_all"),
        ])
        .orderBy("g.board_id", "desc")
        .execute();
      const holding = rows.filter((row) => Boolean(Number(row.has_all))).map((row) => row.board_id);
      if (holding.length > 0) yield holding;
      if (rows.length < CHUNK) return;
      before = rows.at(-1)?.board_id ?? 0;
    }
  }

  /** The grams a document holding every term holds, rarest first (counted up to CHUNK); none if one is absent. */
  async #gramsRarestFirst(terms: string[]): Promise<string[]> {
    const { db } = this.#database;
    const grams = [...new Set(terms.flatMap((term) => [...termGrams(term)]))];
    const counted = await Promise.all(
      grams.map(async (gram) => {
        const held = db
          .selectFrom("search_bigrams")
          .select("board_id")
          .where("gram", "=", gram)
          .limit(CHUNK)
          .as("held");
        const row = await db
          .selectFrom(held)
          .select((eb) => eb.fn.countAll<number | string>().as("n"))
          .executeTakeFirst();
        return { gram, count: Number(row?.n ?? 0) };
      }),
    );
    if (counted.some((c) => c.count === 0)) return [];
    return counted.sort((a, b) => a.count - b.count).map((c) => c.gram);
  }

  /** Whether the trigram index alone can answer: every term is long enough for it. */
  #ftsOnly(terms: string[]): boolean {
    return this.#database.capabilities.trigramFullText && terms.every((t) => codePoints(t) >= TRIGRAM);
  }

  /** The candidates holding every term (in a category): `LIKE` confirms what an index narrowed down. */
  #matchingDocuments(terms: string[], categoryId: number | undefined, candidates: number[]) {
    const containsTerm = (term: string) =>
      sql<SqlBool>`(${sql.join(
        FIELD_WEIGHTS.map(([column]) => contains(sql.ref(`d.${column}`), term)),
        sql` or `,
      )})`;
    const conditions: Expression<SqlBool>[] = terms.map(containsTerm);
    if (categoryId !== undefined) conditions.push(this.#inCategory(categoryId, "d.board_id"));
    return this.#database.db
      .selectFrom("search_documents as d")
      .where("d.board_id", "in", candidates)
      .where((eb) => eb.and(conditions));
  }

  /** Probes the category's rows per candidate, instead of listing the whole category first. */
  #inCategory(categoryId: number, id: string): Expression<SqlBool> {
    return sql<SqlBool>`exists ${this.#database.db
      .selectFrom("search_document_categories as c")
      .select(sql.lit(1).as("one"))
      .where("c.category_id", "=", categoryId)
      .where(sql<SqlBool>`c.board_id = ${sql.ref(id)}`)}`;
  }

  /** The weighted number of times the terms occur in the folded fields. */
  #score(terms: string[]) {
    const length = this.#database.capabilities.charLength;
    const parts = terms.flatMap((term) =>
      FIELD_WEIGHTS.map(([column, weight]) => {
        const field = sql.ref(`d.${column}`);
        return sql`${weight} * (${length}(${field}) - ${length}(replace(${field}, ${term}, ''))) / ${codePoints(term)}`;
      }),
    );
    return sql<number>`(${sql.join(parts, sql` + `)})`;
  }
}

/** Each document once, in its newest version given. */
function latestVersions(documents: SearchDocument[]): Iterable<SearchDocument> {
  const latest = new Map<number, SearchDocument>();
  for (const document of documents) {
    const seen = latest.get(document.id);
    if (!seen || seen.version <= document.version) latest.set(document.id, document);
  }
  return latest.values();
}

/** The first `length` UTF-16 units of `text`, never cutting a character in two. */
function prefix(text: string, length: number): string {
  if (text.length <= length) return text;
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

/** The one- and two-character grams inside each whitespace-free run of an already folded text. */
function grams(folded: string): Set<string> {
  const found = new Set<string>();
  for (const run of folded.split(/\s+/u)) {
    const chars = [...run];
    for (let i = 0; i < chars.length; i++) {
      found.add(chars[i] as string);
      if (i + 1 < chars.length) found.add(`${chars[i]}${chars[i + 1]}`);
    }
  }
  return found;
}

/** The grams a document holding `term` holds too: its bigrams, or itself when it is one character. */
function termGrams(term: string): Set<string> {
  const found = grams(term);
  if (codePoints(term) === 1) return found;
  for (const gram of found) if (codePoints(gram) === 1) found.delete(gram);
  return found;
}

/** The rows a document becomes in the index tables; only the first INDEXED_CHARS of its contents count. */
function toRows(document: SearchDocument) {
  const categories = document.categories.map((c) => c.name).join(" ");
  const contents = prefix(document.contents, INDEXED_CHARS);
  const keys = {
    title_key: fold(document.title),
    contents_key: fold(contents),
    categories_key: fold(categories),
  };
  return {
    document: {
      board_id: document.id,
      version: document.version,
      title: document.title,
      contents,
      categories,
      ...keys,
    },
    categories: document.categories.map((c) => ({ category_id: c.id, board_id: document.id })),
    bigrams: [...grams(`${keys.title_key} ${keys.categories_key} ${keys.contents_key}`)].map((gram) => ({
      gram,
      board_id: document.id,
    })),
  };
}

/** Multi-row inserts small enough for SQLite's bound-parameter limit. */
async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await insert(rows.slice(i, i + INSERT_CHUNK));
}

function toHit(row: Row, terms: string[]): SearchHit {
  return {
    id: row.board_id,
    title: row.title,
    snippet: snippet(row.contents, terms),
    score: Number(row.score),
  };
}
