import {
  type BoardEvent,
  boardTopic,
  type ChatMessage,
  type ChatSendBody,
  chat,
  chatRoomSendDestination,
  chatRoomTopic,
  NOTIFICATIONS_DESTINATION,
  type Notification,
  notifications,
  REALTIME_PATH,
} from "@codechef/contract";
import {
  Client,
  type IFrame,
  type IMessage,
  type IStompSocket,
  ReconnectionTimeMode,
  type StompSubscription,
} from "@stomp/stompjs";
import type { CodeChef } from "./client.ts";
import { CodeChefError, ConnectionError, errorFromFrame, RealtimeError } from "./errors.ts";

export interface RealtimeOptions {
  /** First wait before reconnecting after a lost connection; doubles up to 10 s. Default 500 ms. */
  reconnectDelayMs?: number | undefined;
  /** Heart-beat interval offered to the server. Default 10 s. */
  heartbeatMs?: number | undefined;
  /** How long `connect()` waits for the server to accept the session before it rejects. Default 10 s. */
  connectionTimeoutMs?: number | undefined;
  /** The WebSocket class to connect with; default: the platform's in browsers, `ws` (loaded on demand) in Node. */
  WebSocket?: WebSocketClass | undefined;
}

type WebSocketClass = new (url: string, protocols: string[]) => unknown;

/** Codes after which reconnecting cannot help. */
const FATAL = new Set(["SESSION_REVOKED", "ACCOUNT_BLOCKED", "UNAUTHENTICATED", "UNSUPPORTED_VERSION"]);
/** Codes with which the server refuses one subscription for good (e.g. the user left the room elsewhere). */
const ENDS_FEED = new Set(["NOT_A_MEMBER", "NOT_FOUND"]);
const BACKFILL_PAGE = 100;
/** How many delivered notification ids a feed remembers, so a catch-up never repeats one. */
const REMEMBERED_NOTIFICATIONS = 1000;
const REFRESH_MARGIN_MS = 30_000;

export interface RealtimeEvents {
  connect: undefined;
  close: { code: number; reason: string };
  error: RealtimeError;
}

type Listeners = { [K in keyof RealtimeEvents]: Set<(value: RealtimeEvents[K]) => void> };

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

/** A live subscription; `unsubscribe()` stops it. */
export interface Subscription {
  unsubscribe(): void;
}

export interface RoomSubscription extends Subscription {
  readonly roomId: number;
  /** The seq of the last message delivered. */
  readonly lastSeq: number;
}

export interface FeedOptions {
  /**
   * Called when the server refuses the subscription after a reconnect (e.g. `NOT_A_MEMBER` once the user left
   * the room elsewhere); the subscription has then ended.
   */
  onError?: ((error: RealtimeError) => void) | undefined;
}

/** What the connection keeps subscribed, and subscribes again after each reconnect. */
interface Feed extends Subscription {
  readonly destination: string;
  stomp: StompSubscription | undefined;
  receive(message: IMessage): void;
  /** The connection dropped: what arrives next may follow a gap. */
  lost(): void;
  /** Subscribed again after a reconnect: fetches what it missed meanwhile. */
  resumed(): void;
  /** Refused by the server after a reconnect: it stops and tells its owner. */
  end(error: RealtimeError): void;
}

/**
 * The realtime API (STOMP 1.2 over WebSocket at `/ws`) for one client: connects with the client's access token
 * (refreshing it first when it is about to expire), reconnects with back-off, subscribes again after a
 * reconnect and backfills what a room said meanwhile, delivering each room's messages once and in seq order.
 */
export class Realtime {
  readonly #client: CodeChef;
  readonly #stomp: Client;
  readonly #connectionTimeoutMs: number;
  readonly #feeds = new Set<Feed>();
  readonly #pending = new Map<string, Pending>();
  readonly #listeners: Listeners = { connect: new Set(), close: new Set(), error: new Set() };
  #receipts = 0;
  #connecting: Promise<void> | undefined;
  #onConnecting: Pending | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #WebSocket: WebSocketClass | undefined;
  /** The server said the access token expired: refresh before connecting again. */
  #tokenExpired = false;

  /** Created by `client.realtime`, with the options given to the client's constructor. */
  constructor(client: CodeChef, options: RealtimeOptions = {}) {
    this.#client = client;
    const url = `${client.baseUrl.replace(/^http/, "ws")}${REALTIME_PATH}`;
    const heartbeat = options.heartbeatMs ?? 10_000;
    this.#connectionTimeoutMs = options.connectionTimeoutMs ?? 10_000;
    this.#WebSocket = options.WebSocket;
    this.#stomp = new Client({
      webSocketFactory: () => new (this.#WebSocket as WebSocketClass)(url, ["v12.stomp"]) as IStompSocket,
      reconnectDelay: options.reconnectDelayMs ?? 500,
      reconnectTimeMode: ReconnectionTimeMode.EXPONENTIAL,
      maxReconnectDelay: 10_000,
      heartbeatIncoming: heartbeat,
      heartbeatOutgoing: heartbeat,
      connectionTimeout: this.#connectionTimeoutMs,
      debug: () => {},
      beforeConnect: () => this.#authorize(),
      onConnect: () => this.#onConnect(),
      onStompError: (frame) => this.#onError(frame),
      onWebSocketClose: (event: { code: number; reason: string }) => this.#onClose(event),
    });
  }

  get connected(): boolean {
    return this.#stomp.connected;
  }

  /** Listens to connection events; returns the function that stops listening. */
  on<K extends keyof RealtimeEvents>(event: K, listener: (value: RealtimeEvents[K]) => void): () => void {
    const set = this.#listeners[event] as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Connects; resolves when the server accepted the session. Rejects on its ERROR, when the connection closes
   * first or after the connection timeout; it then keeps reconnecting in the background.
   */
  connect(): Promise<void> {
    if (this.#stomp.connected) return Promise.resolve();
    this.#connecting ??= new Promise<void>((resolve, reject) => {
      this.#onConnecting = { resolve, reject };
      this.#connectTimer = setTimeout(
        () =>
          this.#settleConnect(
            new ConnectionError(`realtime not connected within ${this.#connectionTimeoutMs} ms`),
          ),
        this.#connectionTimeoutMs,
      );
      this.#stomp.activate();
    });
    return this.#connecting;
  }

  /** Disconnects for good (waits for the server's RECEIPT to DISCONNECT). */
  async disconnect(): Promise<void> {
    this.#settleConnect(new ConnectionError("realtime disconnected"));
    await this.#stomp.deactivate();
  }

  /**
   * Follows a room. `after`: the seq you have seen (e.g. the last of `chat.rooms.join(...).messages`); what
   * came after it is fetched first. Without it, delivery starts with what is said from now on.
   */
  async subscribeRoom(
    roomId: number,
    onMessage: (message: ChatMessage) => void,
    options: FeedOptions & { after?: number | undefined } = {},
  ): Promise<RoomSubscription> {
    const feed = new RoomFeed(this.#client, roomId, onMessage, options.onError, () =>
      this.#feeds.delete(feed),
    );
    await this.#follow(feed);
    try {
      await feed.start(options.after);
    } catch (error) {
      feed.unsubscribe();
      throw error;
    }
    return feed;
  }

  /**
   * Follows your notifications. After every reconnect, those that arrived while the connection was down are
   * fetched from REST and delivered (each notification once). `after`: the id of the newest notification you
   * have; newer ones are fetched first. Without it, delivery starts with what arrives from now on.
   */
  async subscribeNotifications(
    onNotification: (notification: Notification) => void,
    options: FeedOptions & { after?: number | undefined } = {},
  ): Promise<Subscription> {
    const feed = new NotificationFeed(this.#client, onNotification, options.onError, () =>
      this.#feeds.delete(feed),
    );
    await this.#follow(feed);
    try {
      await feed.start(options.after);
    } catch (error) {
      feed.unsubscribe();
      throw error;
    }
    return feed;
  }

  /**
   * Follows a board's review live: new threads, replies, resolutions and revisions. Events missed while
   * reconnecting are not replayed; read `review.threads` again after a reconnect to catch up.
   */
  async subscribeBoard(
    boardId: number,
    onEvent: (event: BoardEvent) => void,
    options: FeedOptions = {},
  ): Promise<Subscription> {
    const feed = new JsonFeed(boardTopic(boardId), onEvent, options.onError, () => this.#feeds.delete(feed));
    await this.#follow(feed);
    return feed;
  }

  /** Says something in a room; resolves once the server stored it. */
  async send(roomId: number, body: ChatSendBody): Promise<void> {
    await this.connect();
    await this.#withReceipt((receipt) =>
      this.#stomp.publish({
        destination: chatRoomSendDestination(roomId),
        body: JSON.stringify(body),
        headers: { receipt, "content-type": "application/json" },
      }),
    );
  }

  /** Stops following the room and leaves it. */
  async leave(roomId: number): Promise<void> {
    for (const feed of this.#feeds)
      if (feed instanceof RoomFeed && feed.roomId === roomId) feed.unsubscribe();
    await this.#client.request(chat.leave, { params: { id: roomId } });
  }

  /** Subscribes the feed and keeps it subscribed across reconnects. */
  async #follow(feed: Feed): Promise<void> {
    await this.connect();
    await this.#subscribe(feed);
    this.#feeds.add(feed);
  }

  #subscribe(feed: Feed): Promise<void> {
    return this.#withReceipt((receipt) => {
      feed.stomp = this.#stomp.subscribe(feed.destination, (message) => feed.receive(message), { receipt });
    });
  }

  /** Subscribes a feed again after a reconnect; a feed the server refuses for good ends. */
  #resume(feed: Feed): void {
    this.#subscribe(feed).then(
      () => feed.resumed(),
      (error: unknown) => {
        if (!(error instanceof RealtimeError && ENDS_FEED.has(error.code)) || !this.#feeds.has(feed)) return;
        this.#feeds.delete(feed);
        feed.end(error);
      },
    );
  }

  /** Sends a frame carrying a new receipt; resolves on its RECEIPT, rejects on its ERROR or a lost connection. */
  #withReceipt(send: (receipt: string) => void): Promise<void> {
    const receipt = `r-${++this.#receipts}`;
    const done = new Promise<void>((resolve, reject) => {
      this.#pending.set(receipt, { resolve, reject });
      this.#stomp.watchForReceipt(receipt, () => {
        this.#pending.delete(receipt);
        resolve();
      });
    });
    try {
      send(receipt);
    } catch (cause) {
      this.#pending.delete(receipt);
      return Promise.reject(new ConnectionError("realtime is reconnecting; try again", { cause }));
    }
    return done;
  }

  /** Before each (re)connect: a fresh access token when it expired or is about to, and a WebSocket class. */
  async #authorize(): Promise<void> {
    this.#WebSocket ??= await platformWebSocket();
    const stale = this.#tokenExpired || (this.#client.accessToken && expiresSoon(this.#client.accessToken));
    if (stale && this.#client.refreshToken) {
      try {
        await this.#client.refreshSession();
        this.#tokenExpired = false;
      } catch (error) {
        // A refused refresh ends the session for good; anything else is retried with the next reconnect.
        if (error instanceof CodeChefError && error.status === 401) {
          await this.#stop(new RealtimeError(401, error.code, error.message));
        }
        return;
      }
    }
    const token = this.#client.accessToken;
    if (!token) {
      await this.#stop(new RealtimeError(401, "UNAUTHENTICATED", "no access token: sign in first"));
      return;
    }
    this.#stomp.connectHeaders = { Authorization: `Bearer ${token}` };
  }

  #onConnect(): void {
    this.#settleConnect();
    for (const feed of this.#feeds) this.#resume(feed);
    for (const listener of this.#listeners.connect) listener(undefined);
  }

  /** Resolves (or with an error rejects) the pending `connect()`. */
  #settleConnect(error?: Error): void {
    const pending = this.#onConnecting;
    clearTimeout(this.#connectTimer);
    this.#onConnecting = undefined;
    this.#connecting = undefined;
    if (error) pending?.reject(error);
    else pending?.resolve();
  }

  #onError(frame: IFrame): void {
    const error = errorFromFrame(frame.headers, frame.body);
    const receipt = frame.headers["receipt-id"];
    const pending = receipt ? this.#pending.get(receipt) : undefined;
    if (receipt) this.#pending.delete(receipt);
    pending?.reject(error);
    this.#settleConnect(error);
    for (const listener of this.#listeners.error) listener(error);
    if (error.code === "TOKEN_EXPIRED" && this.#client.refreshToken) {
      this.#tokenExpired = true;
    } else if (FATAL.has(error.code) || error.code === "TOKEN_EXPIRED") {
      void this.#stop(error);
    }
  }

  #onClose(event: { code: number; reason: string }): void {
    const lost = new ConnectionError(`realtime connection closed (${event.code})`);
    for (const pending of this.#pending.values()) pending.reject(lost);
    this.#pending.clear();
    this.#settleConnect(lost);
    for (const feed of this.#feeds) feed.lost();
    for (const listener of this.#listeners.close) listener({ code: event.code, reason: event.reason });
  }

  async #stop(error: RealtimeError): Promise<void> {
    this.#settleConnect(error);
    await this.#stomp.deactivate();
  }
}

/**
 * Your notifications, each delivered once: after a reconnect, those newer than the newest one seen are fetched
 * from REST (newest first, page by page) and delivered oldest first, with what arrived live meanwhile.
 */
class NotificationFeed implements Feed {
  readonly destination = NOTIFICATIONS_DESTINATION;
  stomp: StompSubscription | undefined;
  readonly #client: CodeChef;
  readonly #deliver: (notification: Notification) => void;
  readonly #onError: ((error: RealtimeError) => void) | undefined;
  readonly #forget: () => void;
  /** The newest id delivered (or known when the feed started). */
  #lastId = 0;
  readonly #delivered = new Set<number>();
  /** Set while notifications after this id may be missing: the connection dropped, no catch-up succeeded yet. */
  #gapAfter: number | undefined;
  /** Counts lost connections, so a catch-up that began before a loss does not close the gap after it. */
  #losses = 0;
  #catchingUp: Promise<void> | undefined;
  /** Live notifications held while a gap is open, so everything comes out in id order. */
  #held: Notification[] = [];
  #active = true;

  constructor(
    client: CodeChef,
    deliver: (notification: Notification) => void,
    onError: ((error: RealtimeError) => void) | undefined,
    forget: () => void,
  ) {
    this.#client = client;
    this.#deliver = deliver;
    this.#onError = onError;
    this.#forget = forget;
  }

  async start(after: number | undefined): Promise<void> {
    if (after !== undefined) {
      this.#gapAfter = after;
      await this.catchUp();
      return;
    }
    const newest = await this.#client.request(notifications.list, { query: { limit: 1 } });
    this.#lastId = Math.max(this.#lastId, newest.items[0]?.id ?? 0);
  }

  receive(message: IMessage): void {
    const notification = JSON.parse(message.body) as Notification;
    if (this.#gapAfter === undefined && !this.#catchingUp) {
      this.#emit(notification);
      return;
    }
    this.#held.push(notification);
    void this.catchUp();
  }

  lost(): void {
    this.stomp = undefined;
    this.#losses++;
    this.#gapAfter ??= this.#lastId;
  }

  resumed(): void {
    void this.catchUp();
  }

  /** Fills an open gap from REST; a failed attempt leaves it open for the next live notification or reconnect. */
  catchUp(): Promise<void> {
    const after = this.#gapAfter;
    if (after === undefined) return Promise.resolve();
    this.#catchingUp ??= this.#fill(after).finally(() => {
      this.#catchingUp = undefined;
    });
    return this.#catchingUp;
  }

  async #fill(after: number): Promise<void> {
    const losses = this.#losses;
    let missed: Notification[] = [];
    try {
      missed = await this.#fetchAfter(after);
      if (this.#losses === losses) this.#gapAfter = undefined;
    } catch {
      // The gap stays open; what is held is delivered now rather than kept back.
    }
    const held = this.#held;
    this.#held = [];
    for (const notification of [...missed, ...held].sort((a, b) => a.id - b.id)) this.#emit(notification);
  }

  async #fetchAfter(after: number): Promise<Notification[]> {
    const missed: Notification[] = [];
    for await (const notification of this.#client.notifications.list({ limit: BACKFILL_PAGE })) {
      if (notification.id <= after || !this.#active) break;
      missed.push(notification);
    }
    return missed;
  }

  #emit(notification: Notification): void {
    if (!this.#active || this.#delivered.has(notification.id)) return;
    this.#delivered.add(notification.id);
    if (this.#delivered.size > REMEMBERED_NOTIFICATIONS) {
      this.#delivered.delete(this.#delivered.values().next().value as number);
    }
    this.#lastId = Math.max(this.#lastId, notification.id);
    this.#deliver(notification);
  }

  end(error: RealtimeError): void {
    this.#active = false;
    this.stomp = undefined;
    this.#onError?.(error);
  }

  unsubscribe(): void {
    this.#active = false;
    this.stomp?.unsubscribe();
    this.stomp = undefined;
    this.#forget();
  }
}

/** A destination whose messages are JSON bodies, delivered as they come. */
class JsonFeed<T> implements Feed {
  readonly destination: string;
  stomp: StompSubscription | undefined;
  readonly #deliver: (body: T) => void;
  readonly #onError: ((error: RealtimeError) => void) | undefined;
  readonly #forget: () => void;

  constructor(
    destination: string,
    deliver: (body: T) => void,
    onError: ((error: RealtimeError) => void) | undefined,
    forget: () => void,
  ) {
    this.destination = destination;
    this.#deliver = deliver;
    this.#onError = onError;
    this.#forget = forget;
  }

  receive(message: IMessage): void {
    this.#deliver(JSON.parse(message.body) as T);
  }

  lost(): void {}

  resumed(): void {}

  end(error: RealtimeError): void {
    this.stomp = undefined;
    this.#onError?.(error);
  }

  unsubscribe(): void {
    this.stomp?.unsubscribe();
    this.stomp = undefined;
    this.#forget();
  }
}

/** One room's messages, delivered once each and in seq order; a gap is filled from the REST history. */
class RoomFeed implements RoomSubscription, Feed {
  readonly roomId: number;
  readonly destination: string;
  stomp: StompSubscription | undefined;
  lastSeq = 0;
  readonly #client: CodeChef;
  readonly #deliver: (message: ChatMessage) => void;
  readonly #onError: ((error: RealtimeError) => void) | undefined;
  readonly #forget: () => void;
  /** Live messages that arrived ahead of a gap, by seq. */
  readonly #ahead = new Map<number, ChatMessage>();
  #started = false;
  #filling: Promise<void> | undefined;
  #active = true;

  constructor(
    client: CodeChef,
    roomId: number,
    deliver: (message: ChatMessage) => void,
    onError: ((error: RealtimeError) => void) | undefined,
    forget: () => void,
  ) {
    this.#client = client;
    this.roomId = roomId;
    this.destination = chatRoomTopic(roomId);
    this.#deliver = deliver;
    this.#onError = onError;
    this.#forget = forget;
  }

  async start(after: number | undefined): Promise<void> {
    if (after === undefined) {
      const latest = await this.#client.request(chat.messages, {
        params: { id: this.roomId },
        query: { limit: 1 },
      });
      this.lastSeq = latest.items.at(-1)?.seq ?? 0;
    } else {
      this.lastSeq = after;
    }
    this.#started = true;
    await this.catchUp();
  }

  receive(frame: IMessage): void {
    const message = JSON.parse(frame.body) as ChatMessage;
    if (!this.#active || message.seq <= this.lastSeq) return;
    this.#ahead.set(message.seq, message);
    if (this.#started) this.#flush();
  }

  /** Delivers what is contiguous; on a gap, fetches the history after the last delivered seq. */
  #flush(): void {
    for (let next = this.#ahead.get(this.lastSeq + 1); next; next = this.#ahead.get(this.lastSeq + 1)) {
      this.#ahead.delete(next.seq);
      this.#emit(next);
    }
    for (const seq of this.#ahead.keys()) if (seq <= this.lastSeq) this.#ahead.delete(seq);
    if (this.#ahead.size > 0) void this.catchUp();
  }

  /** Fetches and delivers every stored message after `lastSeq`, then what arrived live meanwhile. */
  catchUp(): Promise<void> {
    this.#filling ??= this.#fetchMissing().then(
      () => {
        this.#filling = undefined;
        this.#flush();
      },
      () => {
        // The next live message or reconnect tries again.
        this.#filling = undefined;
      },
    );
    return this.#filling;
  }

  async #fetchMissing(): Promise<void> {
    for (;;) {
      const page = await this.#client.request(chat.messages, {
        params: { id: this.roomId },
        query: { after: this.lastSeq, limit: BACKFILL_PAGE },
      });
      for (const message of page.items) if (message.seq === this.lastSeq + 1) this.#emit(message);
      if (page.items.length < BACKFILL_PAGE || !this.#active) return;
    }
  }

  #emit(message: ChatMessage): void {
    if (!this.#active) return;
    this.lastSeq = message.seq;
    this.#deliver(message);
  }

  lost(): void {
    this.stomp = undefined;
  }

  /** Backfills what was said while the connection was down (once the first backfill set `lastSeq`). */
  resumed(): void {
    if (this.#started) void this.catchUp();
  }

  end(error: RealtimeError): void {
    this.#active = false;
    this.stomp = undefined;
    this.#onError?.(error);
  }

  unsubscribe(): void {
    this.#active = false;
    this.stomp?.unsubscribe();
    this.stomp = undefined;
    this.#forget();
  }
}

/**
 * The platform's WebSocket in browsers; `ws` in Node, imported only there (Node 20 has no WebSocket, and a
 * browser bundle of the SDK then carries only `ws`'s browser stub).
 */
async function platformWebSocket(): Promise<WebSocketClass> {
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (node === undefined && typeof globalThis.WebSocket === "function") return globalThis.WebSocket;
  return (await import("ws")).default as unknown as WebSocketClass;
}

/** True when a JWT's `exp` is within the margin (or unreadable: let the server decide). */
function expiresSoon(token: string): boolean {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]?.replace(/-/g, "+").replace(/_/g, "/") ?? "")) as {
      exp?: number;
    };
    return payload.exp !== undefined && payload.exp * 1000 - Date.now() < REFRESH_MARGIN_MS;
  } catch {
    return false;
  }
}
