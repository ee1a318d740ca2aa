import type { ChatMessage, LedgerEntry } from "@codechef/contract";

/** A list's query, as the resource method was given it. */
type Query = Record<string, unknown>;
type Loader<P> = (query: Query) => Promise<P>;

/**
 * One page of a list. `hasNextPage()`/`getNextPage()` walk it by hand; `for await` over a page (or over the
 * `list()` call itself) yields every item of this page and of the pages after it, fetched as the loop asks.
 */
export abstract class Page<T> implements AsyncIterable<T> {
  readonly items: T[];
  readonly #query: Query;
  readonly #load: Loader<Page<T>>;

  constructor(items: T[], query: Query, load: Loader<Page<T>>) {
    this.items = items;
    this.#query = query;
    this.#load = load;
  }

  /**
   * The query that fetched this page; the next page's is this one with its position moved on. Private state, so
   * `JSON.stringify(page)` is exactly the API's list object.
   */
  protected get query(): Query {
    return this.#query;
  }

  abstract hasNextPage(): boolean;

  /** The query of the page after this one (only called when there is one). */
  protected abstract nextQuery(): Query;

  /** Fetches the next page with the same filters and request options; rejects when there is none. */
  async getNextPage(): Promise<this> {
    if (!this.hasNextPage()) throw new RangeError("this is the last page");
    return (await this.#load(this.nextQuery())) as this;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (let page: Page<T> = this; ; page = await page.getNextPage()) {
      yield* page.items;
      if (!page.hasNextPage()) return;
    }
  }
}

/** A page-numbered list: `page`, `size` and the `total` of items. */
export class NumberedPage<T> extends Page<T> {
  readonly page: number;
  readonly size: number;
  readonly total: number;

  constructor(
    body: { items: T[]; page: number; size: number; total: number },
    query: Query,
    load: Loader<NumberedPage<T>>,
  ) {
    super(body.items, query, load);
    this.page = body.page;
    this.size = body.size;
    this.total = body.total;
  }

  hasNextPage(): boolean {
    return this.items.length > 0 && this.page * this.size < this.total;
  }

  protected nextQuery(): Query {
    return { ...this.query, page: this.page + 1 };
  }
}

/** A cursor list: `nextCursor` is null on the last page. */
export class CursorPage<T> extends Page<T> {
  readonly nextCursor: string | null;

  constructor(body: { items: T[]; nextCursor: string | null }, query: Query, load: Loader<CursorPage<T>>) {
    super(body.items, query, load);
    this.nextCursor = body.nextCursor;
  }

  hasNextPage(): boolean {
    return this.nextCursor !== null && this.items.length > 0;
  }

  protected nextQuery(): Query {
    return { ...this.query, cursor: this.nextCursor ?? undefined };
  }
}

/** A user's ledger, newest first, with their current balance. */
export class LedgerPage extends CursorPage<LedgerEntry> {
  readonly balance: number;

  constructor(
    body: { items: LedgerEntry[]; nextCursor: string | null; balance: number },
    query: Query,
    load: Loader<LedgerPage>,
  ) {
    super(body, query, load);
    this.balance = body.balance;
  }
}

/** A room's messages in ascending `seq`; the next page holds the messages after this page's last. */
export class MessagePage extends Page<ChatMessage> {
  readonly nextCursor: string | null;

  constructor(
    body: { items: ChatMessage[]; nextCursor: string | null },
    query: Query,
    load: Loader<MessagePage>,
  ) {
    super(body.items, query, load);
    this.nextCursor = body.nextCursor;
  }

  hasNextPage(): boolean {
    return this.nextCursor !== null && this.items.length > 0;
  }

  protected nextQuery(): Query {
    return { ...this.query, after: this.items.at(-1)?.seq };
  }
}

/** Any page of items `T`, whatever its query. */
type AnyPage<T = unknown> = AsyncIterable<T> & { readonly items: T[]; hasNextPage(): boolean };
type ItemOf<P> = P extends AnyPage<infer T> ? T : never;

/**
 * What a `list()` call returns: a promise of its first page that is also async-iterable over every item of
 * every page, so `await client.boards.list()` gives one page and `for await (const b of client.boards.list())`
 * walks them all.
 */
export class PagePromise<P extends AnyPage> extends Promise<P> implements AsyncIterable<ItemOf<P>> {
  static override get [Symbol.species]() {
    return Promise;
  }

  constructor(first: Promise<P>) {
    super((resolve, reject) => first.then(resolve, reject));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ItemOf<P>> {
    yield* (await this) as AsyncIterable<ItemOf<P>>;
  }
}

/** Fetches the first page of a list whose later pages are fetched by the same function. */
export function listOf<P extends AnyPage, Body, Q extends object>(
  Kind: new (body: Body, query: Query, load: Loader<P>) => P,
  fetchPage: (query: Q) => Promise<Body>,
  query: Q,
): PagePromise<P> {
  // Every later query is the first one with its page, cursor or `after` moved on: still a `Q`.
  const load = async (q: Query): Promise<P> => new Kind(await fetchPage(q as Q), q, load);
  return new PagePromise(load(query as Query));
}
