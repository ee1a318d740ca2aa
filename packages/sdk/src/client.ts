import {
  API_BASE_PATH,
  auth,
  type Endpoint,
  type ErrorBody,
  type Output,
  type Request,
  type Session,
} from "@codechef/contract";
import { AttachmentsResource, EventsResource, SubscriptionsResource } from "./community-resources.ts";
import { CodeChefError, ConnectionError, errorFromResponse, retryAfterMs, TimeoutError } from "./errors.ts";
import { Realtime, type RealtimeOptions } from "./realtime.ts";
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
  token?: string | undefined;
  refreshToken?: string | undefined;
  /** Called whenever the session changes (login, refresh, logout), e.g. to persist it. */
  onSession?: ((session: Session | null) => void) | undefined;
  fetch?: Fetch | undefined;
  /** Retries of a call that may be retried (see the README); default 2. */
  maxRetries?: number | undefined;
  /** How long one attempt may take, answer body included; default 30 s. */
  timeoutMs?: number | undefined;
  /** Options of `client.realtime`. */
  realtime?: RealtimeOptions | undefined;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  /** Creating calls only (POSTs answering 201): the key the server deduplicates by; a random one by default. */
  idempotencyKey?: string | undefined;
  headers?: Record<string, string> | undefined;
  maxRetries?: number | undefined;
  timeoutMs?: number | undefined;
  /** A multipart body, for an endpoint that takes files (fetch sets its content type). */
  multipart?: FormData | undefined;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const SAFE_METHODS = new Set(["GET", "PUT", "DELETE"]);
/** A longer `Retry-After` is not waited for: the error is reported with its `retryAfter`. */
const MAX_RETRY_AFTER_MS = 60_000;

/** A POST answering 201: the server honours `Idempotency-Key` on exactly these. */
const isCreating = (endpoint: Endpoint) => endpoint.method === "POST" && endpoint.status === 201;

export class CodeChef {
  readonly baseUrl: string;
  readonly auth: AuthResource;
  readonly users: UsersResource;
  readonly admin: AdminResource;
  readonly categories: CategoriesResource;
  readonly boards: BoardsResource & { readonly attachments: AttachmentsResource };
  readonly comments: CommentsResource;
  readonly chat: ChatResource;
  readonly notifications: NotificationsResource;
  readonly search: SearchResource;
  readonly rankings: RankingsResource;
  readonly events: EventsResource;
  readonly subscriptions: SubscriptionsResource;
  readonly review: ReviewResource;
  #realtime: Realtime | undefined;
  #accessToken: string | undefined;
  #refreshToken: string | undefined;
  #refreshing: Promise<void> | undefined;
  readonly #fetch: Fetch;
  readonly #maxRetries: number;
  readonly #timeoutMs: number;
  readonly #onSession: ClientOptions["onSession"];
  readonly #realtimeOptions: RealtimeOptions | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#accessToken = options.token;
    this.#refreshToken = options.refreshToken;
    this.#onSession = options.onSession;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#maxRetries = options.maxRetries ?? 2;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#realtimeOptions = options.realtime;
    this.auth = new AuthResource(this);
    this.users = new UsersResource(this);
    this.admin = new AdminResource(this);
    this.categories = new CategoriesResource(this);
    this.boards = Object.assign(new BoardsResource(this), { attachments: new AttachmentsResource(this) });
    this.comments = new CommentsResource(this);
    this.search = new SearchResource(this);
    this.rankings = new RankingsResource(this);
    this.chat = new ChatResource(this);
    this.notifications = new NotificationsResource(this);
    this.events = new EventsResource(this);
    this.subscriptions = new SubscriptionsResource(this);
    this.review = new ReviewResource(this);
  }

  /** The realtime API (chat rooms, notifications) over STOMP; created on first use, connected by `connect()`. */
  get realtime(): Realtime {
    this.#realtime ??= new Realtime(this, this.#realtimeOptions);
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
   * Rotates the refresh token once, however many calls wait on it. A refused refresh clears the session.
   */
  refreshSession(): Promise<void> {
    this.#refreshing ??= (async () => {
      const refreshToken = this.#refreshToken;
      if (!refreshToken)
        throw new CodeChefError(401, "UNAUTHENTICATED", "no refresh token to renew the session");
      try {
        this.setSession(await this.#send(auth.refresh, { body: { refreshToken } }, {}, false, undefined));
      } catch (error) {
        if (error instanceof CodeChefError && error.status === 401) this.setSession(null);
        throw error;
      }
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /**
   * Calls one endpoint of the contract. A creating call carries an idempotency key (the same on every retry);
   * a stale access token is refreshed once and the call repeated.
   */
  async request<E extends Endpoint>(
    endpoint: E,
    request: Request<E> = {},
    options: RequestOptions = {},
  ): Promise<Output<E>> {
    const authenticated = endpoint.access !== "none";
    const key = isCreating(endpoint) ? (options.idempotencyKey ?? randomKey()) : options.idempotencyKey;
    if (authenticated && this.#refreshing) await this.#refreshing.catch(() => {});
    try {
      return await this.#send(endpoint, request, options, authenticated, key);
    } catch (error) {
      const expired =
        error instanceof CodeChefError && error.status === 401 && error.code === "TOKEN_EXPIRED";
      if (!authenticated || !expired || !this.#refreshToken) throw error;
      await this.refreshSession();
      return this.#send(endpoint, request, options, authenticated, key);
    }
  }

  async #send<E extends Endpoint>(
    endpoint: E,
    request: Request<E>,
    options: RequestOptions,
    authenticated: boolean,
    idempotencyKey: string | undefined,
  ): Promise<Output<E>> {
    const url =
      this.baseUrl + API_BASE_PATH + fillPath(endpoint.path, request.params) + queryString(request.query);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    for (const [name, value] of Object.entries((request.headers as object | undefined) ?? {})) {
      if (value !== undefined) headers[name] = String(value);
    }
    if (request.body !== undefined) headers["content-type"] = "application/json";
    if (authenticated && this.#accessToken) headers.authorization = `Bearer ${this.#accessToken}`;
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
    const init: RequestInit = {
      method: endpoint.method,
      headers,
      body: options.multipart ?? (request.body === undefined ? undefined : JSON.stringify(request.body)),
    };
    const retryable =
      SAFE_METHODS.has(endpoint.method) || (isCreating(endpoint) && idempotencyKey !== undefined);
    const maxRetries = retryable ? (options.maxRetries ?? this.#maxRetries) : 0;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;

    for (let attempt = 0; ; attempt++) {
      const retry = attempt < maxRetries;
      let answer: { response: Response; body: unknown };
      try {
        answer = await this.#attempt(url, init, timeoutMs, options.signal);
      } catch (cause) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (!retry) throw this.#connectionError(endpoint, url, timeoutMs, cause);
        await sleep(backoff(attempt), options.signal);
        continue;
      }
      const { response, body } = answer;
      if (response.ok) return body as Output<E>;
      const wait = retryAfterMs(response.headers);
      if (retry && retryableAnswer(response.status, body) && !(wait > MAX_RETRY_AFTER_MS)) {
        await sleep(Number.isNaN(wait) ? backoff(attempt) : wait, options.signal);
        continue;
      }
      throw errorFromResponse(response.status, body, response.headers);
    }
  }

  /** One request and its answer's body, within `timeoutMs`. */
  async #attempt(url: string, init: RequestInit, timeoutMs: number, signal: AbortSignal | undefined) {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await this.#fetch(url, {
      ...init,
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
    const text = response.status === 204 ? "" : await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { response, body };
  }

  #connectionError(endpoint: Endpoint, url: string, timeoutMs: number, cause: unknown): ConnectionError {
    if ((cause as Error).name === "TimeoutError")
      return new TimeoutError(`${endpoint.method} ${url} took longer than ${timeoutMs} ms`, cause);
    const page = browserOrigin();
    const likelyCors = cause instanceof TypeError && page !== undefined && page !== new URL(url).origin;
    const hint = likelyCors
      ? `; from a page on ${page} this is most likely CORS: the server must allow that origin (ALLOWED_ORIGINS)`
      : "";
    return new ConnectionError(`cannot reach ${this.baseUrl}: ${(cause as Error).message}${hint}`, {
      cause,
      likelyCors,
    });
  }
}

/** A passing failure; 409 IDEMPOTENCY_KEY_IN_USE: the first request with this key is still running. */
function retryableAnswer(status: number, body: unknown): boolean {
  const code = (body as Partial<ErrorBody> | undefined)?.error?.code;
  return RETRYABLE_STATUS.has(status) || (status === 409 && code === "IDEMPOTENCY_KEY_IN_USE");
}

/** The origin of the page this runs in, when it runs in a browser. */
function browserOrigin(): string | undefined {
  const { document, location } = globalThis as { document?: unknown; location?: { origin?: string } };
  return document !== undefined ? location?.origin : undefined;
}

/** Waits `ms`; an abort ends the wait at once with the signal's reason. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** 0.5 s, 1 s, 2 s … up to 8 s, each with up to 25 % jitter downwards. */
const backoff = (attempt: number) => Math.min(8000, 500 * 2 ** attempt) * (1 - Math.random() / 4);

function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

/** Fills `:name` segments of a path, each value URI-encoded. */
function fillPath(path: string, params: unknown): string {
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
