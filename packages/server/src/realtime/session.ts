import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import type { Logger } from "../logger.ts";
import type { AuthService } from "../modules/auth/service.ts";
import { AppError } from "../shared/errors.ts";
import type { UserRow } from "../shared/user-row.ts";
import type { DestinationPolicy } from "./destinations.ts";
import type { HubSession, RealtimeHub } from "./hub.ts";
import {
  HEART_BEAT,
  parseFrames,
  type StompFrame,
  StompProtocolError,
  serializeFrame,
} from "./stomp-frames.ts";

export interface RealtimeLimits {
  /** Largest WebSocket message (one or more frames) accepted. */
  maxFrameBytes: number;
  maxSubscriptions: number;
  /** Frames a session may send per second, sustained; bursts up to twice that. */
  messagesPerSecond: number;
  /** Unsent bytes the server holds for one slow client before it drops the session. */
  maxBufferedBytes: number;
  /** The heart-beat interval the server offers and asks for. */
  heartBeatMs: number;
  /** Time from the WebSocket opening to a CONNECT frame. */
  connectTimeoutMs: number;
}

export const DEFAULT_LIMITS: RealtimeLimits = {
  maxFrameBytes: 64 * 1024,
  maxSubscriptions: 100,
  messagesPerSecond: 100,
  maxBufferedBytes: 1024 * 1024,
  heartBeatMs: 10_000,
  connectTimeoutMs: 10_000,
};

export interface SessionDeps {
  auth: AuthService;
  policy: DestinationPolicy;
  hub: RealtimeHub;
  limits: RealtimeLimits;
  logger: Logger;
}

/** A client error: sent as an ERROR frame, then the connection closes. */
class SessionError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const ACCEPTED_VERSION = "1.2";
/** Frames received and not yet handled; past this the socket is paused, so TCP pushes back on the client. */
const MAX_PENDING_FRAMES = 32;

/** One STOMP 1.2 connection over a WebSocket. Frames are handled one at a time, in order. */
export class StompSession implements HubSession {
  readonly id = randomUUID();
  readonly #ws: WebSocket;
  readonly #deps: SessionDeps;
  readonly #urlToken: string | undefined;
  #user: UserRow | undefined;
  /** subscription id → destination */
  readonly #subscriptions = new Map<string, string>();
  #work: Promise<void> = Promise.resolve();
  #pendingFrames = 0;
  #closing = false;
  #tokens: number;
  #refilledAt = Date.now();
  #lastReceived = Date.now();
  #messageCounter = 0;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(ws: WebSocket, urlToken: string | undefined, deps: SessionDeps) {
    this.#ws = ws;
    this.#urlToken = urlToken;
    this.#deps = deps;
    this.#tokens = deps.limits.messagesPerSecond * 2;
    const connectTimer = setTimeout(() => {
      if (!this.#user) this.#fail(new SessionError("CONNECT_TIMEOUT", "no CONNECT frame in time"));
    }, deps.limits.connectTimeoutMs);
    this.#timers.push(connectTimer);
    ws.on("message", (data: Buffer) => this.#onMessage(data));
    ws.on("close", () => this.#cleanUp());
    ws.on("error", (error) =>
      deps.logger.debug("websocket error", { session: this.id, error: error.message }),
    );
  }

  get userId(): number {
    return this.#user?.id ?? 0;
  }

  #onMessage(data: Buffer): void {
    if (this.#closing) return;
    this.#lastReceived = Date.now();
    if (data.length > this.#deps.limits.maxFrameBytes) {
      this.#fail(
        new SessionError("FRAME_TOO_LARGE", `frames are limited to ${this.#deps.limits.maxFrameBytes} bytes`),
      );
      return;
    }
    let frames: StompFrame[];
    try {
      frames = parseFrames(data);
    } catch (error) {
      this.#fail(
        error instanceof StompProtocolError ? new SessionError("MALFORMED_FRAME", error.message) : error,
      );
      return;
    }
    for (const frame of frames) {
      if (!this.#take()) {
        this.#fail(
          new SessionError("RATE_LIMITED", `at most ${this.#deps.limits.messagesPerSecond} frames a second`),
        );
        return;
      }
      this.#pendingFrames += 1;
      this.#work = this.#work
        .then(async () => {
          if (!this.#closing) await this.#handle(frame);
        })
        .catch((error: unknown) => this.#fail(error, frame))
        .finally(() => this.#handled());
    }
    if (this.#pendingFrames >= MAX_PENDING_FRAMES) this.#ws.pause();
  }

  #handled(): void {
    this.#pendingFrames -= 1;
    // While paused we read nothing, heart-beats included; a handled frame shows the client is alive.
    this.#lastReceived = Date.now();
    if (this.#ws.isPaused && this.#pendingFrames < MAX_PENDING_FRAMES) this.#ws.resume();
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

  async #handle(frame: StompFrame): Promise<void> {
    if (!this.#user) {
      if (frame.command !== "CONNECT" && frame.command !== "STOMP") {
        throw new SessionError("NOT_CONNECTED", "the first frame must be CONNECT");
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
        await this.#deps.policy.send(this.#user, this.#required(frame, "destination"), frame.body);
        break;
      case "ACK":
      case "NACK":
        // Every subscription acknowledges automatically.
        break;
      case "DISCONNECT":
        this.#receipt(frame);
        this.#closing = true;
        this.#ws.close(1000, "disconnected");
        return;
      case "CONNECT":
      case "STOMP":
        throw new SessionError("ALREADY_CONNECTED", "this session is already connected");
      default:
        throw new SessionError("UNSUPPORTED_COMMAND", `unsupported command ${frame.command}`);
    }
    this.#receipt(frame);
  }

  async #connect(frame: StompFrame): Promise<void> {
    const versions = (frame.headers["accept-version"] ?? "1.0").split(",");
    if (!versions.includes(ACCEPTED_VERSION)) {
      throw new SessionError("UNSUPPORTED_VERSION", `this server speaks STOMP ${ACCEPTED_VERSION} only`);
    }
    const header = frame.headers.Authorization ?? frame.headers.authorization;
    const token = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : this.#urlToken;
    if (!token) throw new SessionError("UNAUTHENTICATED", "send `Authorization: Bearer <token>` in CONNECT");
    this.#user = await this.#deps.auth.authenticate(token);
    // The socket may have closed while we authenticated: its clean-up has run, so nothing may be registered now.
    if (this.#closing) return;
    this.#deps.hub.add(this);
    // A block committed meanwhile revoked the user's sessions before this one was listed: read the user again.
    this.#user = await this.#deps.auth.authenticate(token);
    if (this.#closing) return;
    const heartBeat = this.#negotiateHeartBeat(frame.headers["heart-beat"]);
    this.#write({
      command: "CONNECTED",
      headers: {
        version: ACCEPTED_VERSION,
        "heart-beat": heartBeat,
        session: this.id,
        server: "codechef/0.1",
        "user-name": String(this.#user.id),
      },
      body: "",
    });
  }

  /** Answers `heart-beat: cx,cy` with ours and starts sending and checking at the agreed intervals. */
  #negotiateHeartBeat(offer: string | undefined): string {
    const [cx = 0, cy = 0] = (offer ?? "0,0").split(",").map((n) => Number.parseInt(n, 10) || 0);
    const ours = this.#deps.limits.heartBeatMs;
    if (cy > 0) {
      this.#timers.push(setInterval(() => this.#send(HEART_BEAT), Math.max(ours, cy)));
    }
    if (cx > 0) {
      const expected = Math.max(ours, cx);
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
    if (this.#subscriptions.has(id))
      throw new SessionError("DUPLICATE_SUBSCRIPTION", `subscription ${id} exists`);
    if (this.#subscriptions.size >= this.#deps.limits.maxSubscriptions) {
      throw new SessionError(
        "TOO_MANY_SUBSCRIPTIONS",
        `at most ${this.#deps.limits.maxSubscriptions} subscriptions`,
      );
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
    this.#subscriptions.set(id, destination);
  }

  #listensTo(destination: string): boolean {
    return [...this.#subscriptions.values()].includes(destination);
  }

  #unsubscribe(id: string): void {
    const destination = this.#subscriptions.get(id);
    if (destination === undefined) return;
    this.#subscriptions.delete(id);
    if (!this.#listensTo(destination)) this.#deps.hub.unlisten(this, destination);
  }

  #required(frame: StompFrame, header: string): string {
    const value = frame.headers[header];
    if (!value) throw new SessionError("MISSING_HEADER", `${frame.command} needs a ${header} header`);
    return value;
  }

  #receipt(frame: StompFrame): void {
    const receipt = frame.headers.receipt;
    if (receipt) this.#write({ command: "RECEIPT", headers: { "receipt-id": receipt }, body: "" });
  }

  deliver(destination: string, body: string): void {
    for (const [subscription, subscribed] of this.#subscriptions) {
      if (subscribed !== destination) continue;
      this.#write({
        command: "MESSAGE",
        headers: {
          subscription,
          "message-id": `${this.id}-${++this.#messageCounter}`,
          destination,
          "content-type": "application/json",
        },
        body,
      });
    }
  }

  /** Sends ERROR and closes; the session leaves the hub at once, not when the socket's close comes back. */
  revoke(reason: string): void {
    this.#fail(new SessionError("SESSION_REVOKED", reason));
    this.#cleanUp();
  }

  #write(frame: StompFrame): void {
    this.#send(serializeFrame(frame));
  }

  /** Drops a client that stopped reading rather than buffering for it without bound. */
  #send(data: string): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ws.bufferedAmount > this.#deps.limits.maxBufferedBytes) {
      this.#deps.logger.warn("realtime client too slow; closing", { session: this.id, user: this.#user?.id });
      this.#closing = true;
      this.#ws.terminate();
      return;
    }
    this.#ws.send(data);
  }

  /** Sends an ERROR frame for what went wrong and closes; anything unexpected is logged, not shown. */
  #fail(error: unknown, frame?: StompFrame): void {
    if (this.#closing) return;
    const known = error instanceof SessionError || error instanceof AppError;
    if (!known) this.#deps.logger.error("realtime frame failed", { session: this.id, error: String(error) });
    const code = known ? error.code : "INTERNAL";
    const message = known ? error.message : "something went wrong on our side";
    const receipt = frame?.headers.receipt;
    this.#write({
      command: "ERROR",
      headers: { message, code, "content-type": "text/plain", ...(receipt && { "receipt-id": receipt }) },
      body: message,
    });
    this.#closing = true;
    this.#ws.close(1008, code.slice(0, 100));
  }

  /** Ends the session without an ERROR (server shutdown). */
  shutDown(): void {
    this.#closing = true;
    this.#ws.close(1001, "server shutting down");
  }

  #cleanUp(): void {
    this.#closing = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#deps.hub.remove(this);
  }
}
