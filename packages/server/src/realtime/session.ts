import { randomUUID } from "node:crypto";
import type { ErrorCode } from "@codechef/contract";
import { STOMP_ACK_MODES, STOMP_VERSION, type StompAckMode } from "@codechef/contract";
import type { WebSocket } from "ws";
import type { Logger } from "../logger.ts";
import type { AuthService } from "../modules/auth/service.ts";
import type { Cache, Leases } from "../ports.ts";
import { AppError } from "../shared/errors.ts";
import type { UserRow } from "../shared/user-row.ts";
import type { DestinationPolicy } from "./destinations.ts";
import type { HubSession, RealtimeHub } from "./hub.ts";
import {
  HEART_BEAT,
  type OutgoingMessage,
  StompDecoder,
  type StompFrame,
  StompProtocolError,
  serializeFrame,
} from "./stomp-frames.ts";

export interface RealtimeLimits {
  /** Largest frame accepted, however it is split into WebSocket messages. */
  maxFrameBytes: number;
  maxSubscriptions: number;
  /** Frames a session may send per second, sustained; bursts up to twice that. */
  messagesPerSecond: number;
  /** SEND frames one user may send per window, across all their sessions and instances. */
  userMessages: { limit: number; windowSeconds: number };
  /** Open sessions per user, across instances. */
  sessionsPerUser: number;
  /** Messages a session may hold unacknowledged on its `client` and `client-individual` subscriptions. */
  maxUnacked: number;
  /** Unsent bytes the server holds for one slow client before it drops the session. */
  maxBufferedBytes: number;
  /** The heart-beat interval the server offers and asks for; the shortest it agrees to. */
  heartBeatMs: number;
  /** Time from the WebSocket opening to a CONNECT frame. */
  connectTimeoutMs: number;
}

export const DEFAULT_LIMITS: RealtimeLimits = {
  maxFrameBytes: 64 * 1024,
  maxSubscriptions: 100,
  messagesPerSecond: 100,
  userMessages: { limit: 20, windowSeconds: 1 },
  sessionsPerUser: 10,
  maxUnacked: 1000,
  maxBufferedBytes: 1024 * 1024,
  heartBeatMs: 10_000,
  connectTimeoutMs: 10_000,
};

export interface SessionDeps {
  auth: AuthService;
  policy: DestinationPolicy;
  hub: RealtimeHub;
  /** Counts each user's SENDs across instances. */
  cache: Cache;
  /** Holds each user's open sessions across instances. */
  leases: Leases;
  limits: RealtimeLimits;
  logger: Logger;
  /** Counts MESSAGE frames written, and those a closed, slow or over-limit session did not get (metrics). */
  deliveries?: { delivered(): void; dropped(): void };
}

/** Frames received and not yet handled; past this the socket is paused, so TCP pushes back on the client. */
const MAX_PENDING_FRAMES = 32;
/** Heart-beats are never asked for less often than this (larger values would overflow Node's timers). */
const MAX_HEART_BEAT_MS = 3_600_000;
/** Node's timers hold at most 2³¹−1 ms; a later deadline is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const LEASE_SECONDS = 60;
const isAckMode = (mode: string): mode is StompAckMode =>
  (STOMP_ACK_MODES as readonly string[]).includes(mode);

interface Subscription {
  destination: string;
  ack: StompAckMode;
}

const protocolError = (status: number, code: ErrorCode, message: string, headers?: Record<string, string>) =>
  new AppError(status, code, message, undefined, headers);

/**
 * One STOMP 1.2 connection over a WebSocket. Frames are handled one at a time, in order, but for SENDs to one
 * destination that queued behind each other: those are stored in one go, still answered in order. Acknowledgement is
 * bookkeeping only: nothing is redelivered live (NACKed or not), since history and backfill are how a client
 * recovers what it missed.
 */
export class StompSession implements HubSession {
  readonly id = randomUUID();
  readonly #ws: WebSocket;
  readonly #deps: SessionDeps;
  readonly #urlToken: string | undefined;
  readonly #decoder: StompDecoder;
  #user: UserRow | undefined;
  readonly #subscriptions = new Map<string, Subscription>();
  /** ack id → subscription id, oldest first. */
  readonly #unacked = new Map<string, string>();
  #leased = false;
  #work: Promise<void> = Promise.resolve();
  /** Frames received and not handled yet, oldest first. */
  readonly #inbox: StompFrame[] = [];
  #closing = false;
  /** Shutting down: what arrives now is ignored; frames already received are still handled. */
  #draining = false;
  #tokens: number;
  #refilledAt = Date.now();
  #lastReceived = Date.now();
  #messageCounter = 0;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(ws: WebSocket, urlToken: string | undefined, deps: SessionDeps) {
    this.#ws = ws;
    this.#urlToken = urlToken;
    this.#deps = deps;
    this.#decoder = new StompDecoder({ maxFrameBytes: deps.limits.maxFrameBytes });
    this.#tokens = deps.limits.messagesPerSecond * 2;
    this.#timers.push(
      setTimeout(() => {
        if (!this.#user) this.#fail(protocolError(408, "CONNECT_TIMEOUT", "no CONNECT frame in time"));
      }, deps.limits.connectTimeoutMs),
    );
    ws.on("message", (data: Buffer) => this.#onMessage(data));
    ws.on("close", () => this.#cleanUp());
    ws.on("error", (error) =>
      deps.logger.debug("websocket error", { session: this.id, error: error.message }),
    );
  }

  get userId(): number {
    return this.#user?.id ?? 0;
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /** The WebSocket layer refused a message larger than it takes (see `stomp-server.ts`). */
  messageTooLarge(maxBytes: number): void {
    this.#fail(protocolError(413, "FRAME_TOO_LARGE", `WebSocket messages are limited to ${maxBytes} bytes`));
  }

  #onMessage(data: Buffer): void {
    if (this.#closing || this.#draining) return;
    this.#lastReceived = Date.now();
    let frames: StompFrame[];
    try {
      frames = this.#decoder.push(data);
    } catch (error) {
      const tooLarge = error instanceof StompProtocolError && error.tooLarge;
      this.#fail(
        error instanceof StompProtocolError
          ? protocolError(
              tooLarge ? 413 : 400,
              tooLarge ? "FRAME_TOO_LARGE" : "MALFORMED_FRAME",
              error.message,
            )
          : error,
      );
      return;
    }
    for (const frame of frames) {
      if (!this.#take()) {
        const { messagesPerSecond } = this.#deps.limits;
        this.#fail(protocolError(429, "RATE_LIMITED", `at most ${messagesPerSecond} frames a second`));
        return;
      }
      this.#inbox.push(frame);
      this.#work = this.#work.then(() => this.#handleNext());
    }
    if (this.#inbox.length >= MAX_PENDING_FRAMES) this.#ws.pause();
  }

  /** Handles the oldest frame received (with the SENDs right behind it, see `#takeRun`); one taken already is done. */
  async #handleNext(): Promise<void> {
    const run = this.#takeRun();
    const [frame] = run;
    if (!frame) return;
    try {
      if (!this.#closing) await this.#handle(frame, run);
    } catch (error) {
      this.#fail(error, frame);
    } finally {
      // While paused we read nothing, heart-beats included; a handled frame shows the client is alive.
      this.#lastReceived = Date.now();
      if (this.#ws.isPaused && this.#inbox.length < MAX_PENDING_FRAMES) this.#ws.resume();
    }
  }

  /** The oldest frame received; a SEND of a connected session takes the SENDs to its destination queued behind it. */
  #takeRun(): StompFrame[] {
    const first = this.#inbox.shift();
    if (!first) return [];
    const run = [first];
    if (first.command !== "SEND" || !this.#user) return run;
    const destination = first.headers.destination;
    for (let next = this.#inbox[0]; next?.command === "SEND" && next.headers.destination === destination; ) {
      run.push(this.#inbox.shift() as StompFrame);
      next = this.#inbox[0];
    }
    return run;
  }

  /** A token bucket: `messagesPerSecond` sustained, twice that in a burst. */
  #take(): boolean {
    const { messagesPerSecond } = this.#deps.limits;
    const now = Date.now();
    this.#tokens = Math.min(
      messagesPerSecond * 2,
      this.#tokens + ((now - this.#refilledAt) / 1000) * messagesPerSecond,
    );
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** `run` is the frame alone, or a run of SENDs it starts (see `#takeRun`). */
  async #handle(frame: StompFrame, run: StompFrame[] = [frame]): Promise<void> {
    if (!this.#user) {
      if (frame.command !== "CONNECT" && frame.command !== "STOMP") {
        throw protocolError(400, "NOT_CONNECTED", "the first frame must be CONNECT");
      }
      await this.#connect(frame);
      return;
    }
    switch (frame.command) {
      case "SUBSCRIBE":
        await this.#subscribe(frame);
        break;
      case "UNSUBSCRIBE":
        this.#unsubscribe(this.#required(frame, "id"));
        break;
      case "SEND":
        await this.#sendRun(this.#user, run);
        return;
      case "ACK":
      case "NACK":
        this.#acknowledge(this.#required(frame, "id"));
        break;
      case "DISCONNECT":
        this.#receipt(frame);
        this.#closing = true;
        this.#ws.close(1000, "disconnected");
        return;
      case "CONNECT":
      case "STOMP":
        throw protocolError(400, "ALREADY_CONNECTED", "this session is already connected");
      default:
        throw protocolError(400, "UNSUPPORTED_COMMAND", `unsupported command ${frame.command}`);
    }
    this.#receipt(frame);
  }

  async #connect(frame: StompFrame): Promise<void> {
    const versions = (frame.headers["accept-version"] ?? "1.0").split(",");
    if (!versions.includes(STOMP_VERSION)) {
      throw protocolError(400, "UNSUPPORTED_VERSION", `this server speaks STOMP ${STOMP_VERSION} only`, {
        version: STOMP_VERSION,
      });
    }
    const header = frame.headers.Authorization ?? frame.headers.authorization;
    const token = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : this.#urlToken;
    if (!token) {
      throw protocolError(401, "UNAUTHENTICATED", "send `Authorization: Bearer <token>` in CONNECT");
    }
    this.#user = await this.#deps.auth.authenticate(token);
    // The socket may have closed while we authenticated: its clean-up has run, so nothing may be registered now.
    if (this.#closing) return;
    this.#deps.hub.add(this);
    // A block committed meanwhile revoked the user's sessions before this one was listed: read the user again.
    const { user, expiresAt } = await this.#deps.auth.authenticateSession(token);
    this.#user = user;
    if (this.#closing) return;
    await this.#lease();
    if (this.#closing) return;
    this.#expireAt(expiresAt);
    this.#timers.push(
      setInterval(
        () => {
          this.#lease().catch((error: unknown) => this.#fail(error));
        },
        (LEASE_SECONDS * 1000) / 3,
      ),
    );
    const heartBeat = this.#negotiateHeartBeat(frame.headers["heart-beat"]);
    this.#write({
      command: "CONNECTED",
      headers: {
        version: STOMP_VERSION,
        "heart-beat": heartBeat,
        session: this.id,
        server: "codechef/0.1",
        "user-name": String(user.id),
      },
      body: "",
    });
  }

  /**
   * Takes (or renews) one of the user's session leases, shared by every instance. While the store is down, only
   * this instance's sessions are counted.
   */
  async #lease(): Promise<void> {
    const { sessionsPerUser } = this.#deps.limits;
    const key = `realtime-sessions:${this.userId}`;
    let granted: boolean;
    try {
      granted = await this.#deps.leases.acquire(key, this.id, sessionsPerUser, LEASE_SECONDS);
      this.#leased = true;
    } catch (error) {
      this.#deps.logger.warn("realtime sessions counted on this instance only", { error: String(error) });
      granted = this.#deps.hub.sessionsOf(this.userId) <= sessionsPerUser;
    }
    if (this.#closing) this.#releaseLease();
    if (!granted) {
      this.#leased = false;
      throw protocolError(429, "TOO_MANY_SESSIONS", `at most ${sessionsPerUser} open sessions per user`);
    }
  }

  #releaseLease(): void {
    if (!this.#leased) return;
    this.#leased = false;
    void this.#deps.leases.release(`realtime-sessions:${this.userId}`, this.id);
  }

  /** Closes the session with TOKEN_EXPIRED when its access token expires. */
  #expireAt(at: number): void {
    const delay = Math.max(0, at - Date.now());
    const expire = () =>
      this.#fail(protocolError(401, "TOKEN_EXPIRED", "the access token expired; connect with a new one"));
    this.#timers.push(
      setTimeout(() => (delay > MAX_TIMER_MS ? this.#expireAt(at) : expire()), Math.min(delay, MAX_TIMER_MS)),
    );
  }

  /**
   * SENDs to one destination, stored together in order: each stored one gets its RECEIPT, in order, then the
   * first refused one its ERROR, which closes the session before any frame after it is handled.
   */
  async #sendRun(user: UserRow, run: StompFrame[]): Promise<void> {
    const destination = this.#required(run[0] as StompFrame, "destination");
    const counted = await Promise.allSettled(run.map(() => this.#countSend()));
    const over = counted.findIndex((outcome) => outcome.status === "rejected");
    const admitted = over < 0 ? run : run.slice(0, over);
    const { stored, refusal } =
      admitted.length > 0
        ? await this.#deps.policy.send(
            user,
            destination,
            admitted.map((frame) => frame.body),
          )
        : { stored: 0, refusal: undefined };
    for (const frame of run.slice(0, stored)) this.#receipt(frame);
    if (refusal !== undefined) this.#fail(refusal, run[stored]);
    else if (over >= 0) this.#fail((counted[over] as PromiseRejectedResult).reason, run[over]);
  }

  /** Counts a SEND against the user's limit; while the cache is down, only the per-session limit applies. */
  async #countSend(): Promise<void> {
    const { limit, windowSeconds } = this.#deps.limits.userMessages;
    let count: number;
    let resetInSeconds: number;
    try {
      ({ count, resetInSeconds } = await this.#deps.cache.hit(
        `realtime-sends:${this.userId}`,
        windowSeconds,
      ));
    } catch (error) {
      this.#deps.logger.debug("realtime sends counted per session only", { error: String(error) });
      return;
    }
    if (count > limit) {
      throw protocolError(429, "RATE_LIMITED", `at most ${limit} messages in ${windowSeconds} s per user`, {
        "retry-after": String(Math.max(1, Math.ceil(resetInSeconds))),
      });
    }
  }

  /**
   * Answers `heart-beat: cx,cy` with ours and starts sending and checking at the agreed intervals: never more
   * often than ours, never less often than once an hour.
   */
  #negotiateHeartBeat(offer: string | undefined): string {
    const [cx = 0, cy = 0] = (offer ?? "0,0").split(",").map((n) => Number.parseInt(n, 10) || 0);
    const ours = this.#deps.limits.heartBeatMs;
    const agreed = (theirs: number) => Math.min(Math.max(ours, theirs), MAX_HEART_BEAT_MS);
    if (cy > 0) {
      this.#timers.push(setInterval(() => this.#send(HEART_BEAT), agreed(cy)));
    }
    if (cx > 0) {
      const expected = agreed(cx);
      this.#timers.push(
        setInterval(() => {
          if (Date.now() - this.#lastReceived > expected * 2) {
            this.#deps.logger.info("realtime client silent; closing", { session: this.id });
            this.#ws.terminate();
          }
        }, expected),
      );
    }
    return `${ours},${ours}`;
  }

  async #subscribe(frame: StompFrame): Promise<void> {
    const id = this.#required(frame, "id");
    const destination = this.#required(frame, "destination");
    const ack = frame.headers.ack ?? "auto";
    if (!isAckMode(ack)) {
      throw protocolError(400, "UNSUPPORTED_ACK_MODE", "ack must be auto, client or client-individual");
    }
    if (this.#subscriptions.has(id)) {
      throw protocolError(409, "DUPLICATE_SUBSCRIPTION", `subscription ${id} exists`);
    }
    const { maxSubscriptions } = this.#deps.limits;
    if (this.#subscriptions.size >= maxSubscriptions) {
      throw protocolError(429, "TOO_MANY_SUBSCRIPTIONS", `at most ${maxSubscriptions} subscriptions`);
    }
    // Listening before the check lets a leave that commits meanwhile (its OUT) unlisten us; the subscription
    // delivers only once it is authorised.
    const listening = this.#listensTo(destination);
    this.#deps.hub.listen(this, destination);
    try {
      await this.#deps.policy.authorizeSubscribe(this.#user as UserRow, destination);
    } catch (error) {
      if (!listening) this.#deps.hub.unlisten(this, destination);
      throw error;
    }
    this.#subscriptions.set(id, { destination, ack });
  }

  #listensTo(destination: string): boolean {
    return [...this.#subscriptions.values()].some((s) => s.destination === destination);
  }

  #unsubscribe(id: string): void {
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined) return;
    this.#subscriptions.delete(id);
    for (const [ackId, of] of this.#unacked) if (of === id) this.#unacked.delete(ackId);
    if (!this.#listensTo(subscription.destination)) this.#deps.hub.unlisten(this, subscription.destination);
  }

  /** ACK or NACK: settles the message, and in `client` mode every earlier one of its subscription. */
  #acknowledge(ackId: string): void {
    const subscriptionId = this.#unacked.get(ackId);
    if (subscriptionId === undefined) {
      throw protocolError(400, "UNKNOWN_ACK", `no unacknowledged message has ack id ${ackId}`);
    }
    if (this.#subscriptions.get(subscriptionId)?.ack === "client") {
      for (const [earlier, of] of this.#unacked) {
        if (of === subscriptionId) this.#unacked.delete(earlier);
        if (earlier === ackId) break;
      }
    } else {
      this.#unacked.delete(ackId);
    }
  }

  #required(frame: StompFrame, header: string): string {
    const value = frame.headers[header];
    if (!value) throw protocolError(400, "MISSING_HEADER", `${frame.command} needs a ${header} header`);
    return value;
  }

  #receipt(frame: StompFrame): void {
    const receipt = frame.headers.receipt;
    if (receipt) this.#write({ command: "RECEIPT", headers: { "receipt-id": receipt }, body: "" });
  }

  deliver(message: OutgoingMessage): void {
    for (const [subscription, { destination, ack }] of this.#subscriptions) {
      if (destination !== message.destination) continue;
      const messageId = `${this.id}-${++this.#messageCounter}`;
      if (ack !== "auto") {
        if (this.#unacked.size >= this.#deps.limits.maxUnacked) {
          const { maxUnacked } = this.#deps.limits;
          this.#deps.deliveries?.dropped();
          this.#fail(protocolError(429, "TOO_MANY_UNACKED", `at most ${maxUnacked} unacknowledged messages`));
          return;
        }
        this.#unacked.set(messageId, subscription);
      }
      const sent = this.#send(message.frame(subscription, messageId, ack !== "auto"));
      if (sent) this.#deps.deliveries?.delivered();
      else this.#deps.deliveries?.dropped();
    }
  }

  /** Sends ERROR and closes; the session leaves the hub at once, not when the socket's close comes back. */
  revoke(reason: string): void {
    this.#fail(protocolError(401, "SESSION_REVOKED", reason));
    this.#cleanUp();
  }

  #write(frame: StompFrame): boolean {
    return this.#send(serializeFrame(frame));
  }

  /** Drops a client that stopped reading rather than buffering for it without bound; false when not sent. */
  #send(data: string): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    if (this.#ws.bufferedAmount > this.#deps.limits.maxBufferedBytes) {
      this.#deps.logger.warn("realtime client too slow; closing", { session: this.id, user: this.#user?.id });
      this.#closing = true;
      this.#ws.terminate();
      return false;
    }
    this.#ws.send(data);
    return true;
  }

  /**
   * Sends an ERROR frame for what went wrong and closes. It carries the error's `code`, `message` and `status`
   * (the HTTP status REST answers the same error with), and any headers the error has (`retry-after`, `version`);
   * anything unexpected is logged, not shown.
   */
  #fail(error: unknown, frame?: StompFrame, closeCode = 1008): void {
    if (this.#closing) return;
    const known = error instanceof AppError;
    if (!known) this.#deps.logger.error("realtime frame failed", { session: this.id, error: String(error) });
    const { status, code, message, headers } = known
      ? error
      : { status: 500, code: "INTERNAL", message: "something went wrong on our side", headers: undefined };
    const receipt = frame?.headers.receipt;
    this.#write({
      command: "ERROR",
      headers: {
        ...Object.fromEntries(
          Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
        ),
        message,
        code,
        status: String(status),
        "content-type": "text/plain",
        ...(receipt && { "receipt-id": receipt }),
      },
      body: message,
    });
    this.#closing = true;
    this.#ws.close(closeCode, code.slice(0, 100));
  }

  /**
   * Server shutdown: frames already received are handled and answered (a SEND's receipt means it is stored, so a
   * SEND without one was not), then an ERROR `SERVER_SHUTTING_DOWN` tells the client to connect again, which a
   * load balancer sends to another instance. The WebSocket closes with 1012 (service restart).
   */
  async shutDown(): Promise<void> {
    if (this.#closing || this.#draining) return;
    this.#draining = true;
    await this.#work;
    const error = protocolError(503, "SERVER_SHUTTING_DOWN", "the server is shutting down; connect again", {
      "retry-after": "1",
    });
    this.#fail(error, undefined, 1012);
  }

  #cleanUp(): void {
    this.#closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#releaseLease();
    this.#deps.hub.remove(this);
  }
}
