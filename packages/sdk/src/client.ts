import {
  API_BASE_PATH,
  auth,
  type CursorPage,
  type Endpoint,
  type Output,
  type Page,
  type Request,
  type Session,
} from "@codechef/contract";
import { CodeChefError, ConnectionError, errorFromResponse, TimeoutError } from "./errors.ts";
import { Realtime } from "./realtime.ts";
import {
  AdminResource,
  AuthResource,
  BoardsResource,
  CategoriesResource,
  ChatResource,
  CommentsResource,
  NotificationsResource,
  RankingsResource,
  SearchResource,
  UsersResource,
} from "./resources.ts";
import { ReviewResource } from "./review.ts";

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  baseUrl: string;
  /** An access token to start with; `auth.login` sets one too. */
  token?: string;
  refreshToken?: string;
  /** Called whenever the session changes (login, refresh), e.g. to persist it. */
  onSession?: (session: Session | null) => void;
  fetch?: Fetch;
  /** Retries of idempotent calls on connection errors, 429 and 503. Default 2. */
  maxRetries?: number;
  timeoutMs?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

const RETRYABLE_STATUS = new Set([429, 503]);
const IDEMPOTENT_METHODS = new Set(["GET", "PUT", "DELETE"]);

export class CodeChef {
  readonly baseUrl: string;
  readonly auth: AuthResource;
  readonly users: UsersResource;
  readonly admin: AdminResource;
  readonly categories: CategoriesResource;
  readonly boards: BoardsResource;
  readonly comments: CommentsResource;
  readonly chat: ChatResource;
  readonly notifications: NotificationsResource;
  #realtime: Realtime | undefined;
  readonly search: SearchResource;
  readonly rankings: RankingsResource;
  readonly review: ReviewResource;
  #accessToken: string | undefined;
  #refreshToken: string | undefined;
  #refreshing: Promise<void> | undefined;
  readonly #fetch: Fetch;
  readonly #maxRetries: number;
  readonly #timeoutMs: number;
  readonly #onSession: ClientOptions["onSession"];

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#accessToken = options.token;
    this.#refreshToken = options.refreshToken;
    this.#onSession = options.onSession;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#maxRetries = options.maxRetries ?? 2;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.auth = new AuthResource(this);
    this.users = new UsersResource(this);
    this.admin = new AdminResource(this);
    this.categories = new CategoriesResource(this);
    this.boards = new BoardsResource(this);
    this.comments = new CommentsResource(this);
    this.search = new SearchResource(this);
    this.rankings = new RankingsResource(this);
    this.chat = new ChatResource(this);
    this.notifications = new NotificationsResource(this);
    this.review = new ReviewResource(this);
  }

  /** The realtime API (chat rooms, notifications) over STOMP; created on first use, connected by `connect()`. */
  get realtime(): Realtime {
    this.#realtime ??= new Realtime(this);
    return this.#realtime;
  }

  get accessToken(): string | undefined {
    return this.#accessToken;
  }

  get refreshToken(): string | undefined {
    return this.#refreshToken;
  }

  /** Adopts a session (from login or refresh) for the calls that follow. */
  setSession(session: Session | null): void {
    this.#accessToken = session?.accessToken;
    this.#refreshToken = session?.refreshToken;
    this.#onSession?.(session);
  }

  /**
   * Rotates the refresh token once, however many calls wait on it. A failed refresh clears the session.
   */
  refreshSession(): Promise<void> {
    this.#refreshing ??= (async () => {
      const refreshToken = this.#refreshToken;
      if (!refreshToken)
        throw new CodeChefError(401, "UNAUTHENTICATED", "no refresh token to renew the session");
      try {
        this.setSession(await this.#send(auth.refresh, { body: { refreshToken } }, {}, false));
      } catch (error) {
        if (error instanceof CodeChefError && error.status === 401) this.setSession(null);
        throw error;
      }
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Calls one endpoint of the contract; a stale access token is refreshed once and the call repeated. */
  async request<E extends Endpoint>(endpoint: E, request: Request<E> = {}, options: RequestOptions = {}) {
    const authenticated = endpoint.access !== "none";
    if (authenticated && this.#refreshing) await this.#refreshing.catch(() => {});
    try {
      return await this.#send(endpoint, request, options, authenticated);
    } catch (error) {
      const expired =
        error instanceof CodeChefError && error.status === 401 && error.code === "TOKEN_EXPIRED";
      if (!authenticated || !expired || !this.#refreshToken) throw error;
      await this.refreshSession();
      return this.#send(endpoint, request, options, authenticated);
    }
  }

  /** Every item of a page-numbered list, fetching pages as the loop asks for them. */
  async *paginate<E extends Endpoint, T>(
    endpoint: E & { response?: unknown },
    request: Request<E> = {},
    options?: RequestOptions,
  ): AsyncGenerator<T> {
    for (let page = 1; ; page++) {
      const query = { ...(request.query as object), page } as Request<E>["query"];
      const result = (await this.request(endpoint, { ...request, query }, options)) as unknown as Page<T>;
      yield* result.items;
      if (result.items.length === 0 || page * result.size >= result.total) return;
    }
  }

  /** Every item of a cursor list. */
  async *paginateCursor<E extends Endpoint, T>(
    endpoint: E,
    request: Request<E> = {},
    options?: RequestOptions,
  ): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const query = { ...(request.query as object), ...(cursor && { cursor }) } as Request<E>["query"];
      const result = (await this.request(
        endpoint,
        { ...request, query },
        options,
      )) as unknown as CursorPage<T>;
      yield* result.items;
      cursor = result.nextCursor ?? undefined;
    } while (cursor);
  }

  async #send<E extends Endpoint>(
    endpoint: E,
    request: Request<E>,
    options: RequestOptions,
    authenticated: boolean,
  ): Promise<Output<E>> {
    const url =
      this.baseUrl + API_BASE_PATH + fillPath(endpoint.path, request.params) + queryString(request.query);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    for (const [name, value] of Object.entries((request.headers as object | undefined) ?? {})) {
      if (value !== undefined) headers[name] = String(value);
    }
    if (request.body !== undefined) headers["content-type"] = "application/json";
    if (authenticated && this.#accessToken) headers.authorization = `Bearer ${this.#accessToken}`;
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    const retryable = IDEMPOTENT_METHODS.has(endpoint.method) || options.idempotencyKey !== undefined;

    for (let attempt = 0; ; attempt++) {
      const signal = AbortSignal.any([
        AbortSignal.timeout(this.#timeoutMs),
        ...(options.signal ? [options.signal] : []),
      ]);
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method: endpoint.method,
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal,
        });
      } catch (cause) {
        if (options.signal?.aborted) throw cause;
        const error =
          (cause as Error).name === "TimeoutError"
            ? new TimeoutError(`${endpoint.method} ${url} timed out`, cause)
            : new ConnectionError(`cannot reach ${this.baseUrl}: ${(cause as Error).message}`, cause);
        if (retryable && attempt < this.#maxRetries) {
          await sleep(backoff(attempt));
          continue;
        }
        throw error;
      }
      if (response.ok) {
        return (response.status === 204 ? undefined : await response.json()) as Output<E>;
      }
      const body = await response.json().catch(() => undefined);
      if (retryable && RETRYABLE_STATUS.has(response.status) && attempt < this.#maxRetries) {
        const retryAfter = Number(response.headers.get("retry-after"));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff(attempt));
        continue;
      }
      throw errorFromResponse(response.status, body, response.headers);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt: number) => Math.min(2000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);

/** Fills `:name` segments of a path, each value URI-encoded. */
export function fillPath(path: string, params: unknown): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = (params as Record<string, unknown> | undefined)?.[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

function queryString(query: unknown): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries((query as object | undefined) ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
