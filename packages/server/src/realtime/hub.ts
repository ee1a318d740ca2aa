import { boardTopic, type ChatMessage, chatRoomTopic, NOTIFICATIONS_DESTINATION } from "@codechef/contract";
import { afterCommit } from "../db/after-commit.ts";
import type { Tx } from "../db/database.ts";
import type { Logger } from "../logger.ts";
import type { NotificationEvent } from "../modules/notifications/service.ts";
import type { BoardTopicEvent } from "../modules/review/service.ts";
import type { OutboxWriter } from "../outbox/outbox.ts";
import type { BusMessage, BusTopic, MessageBus } from "../ports.ts";
import { OutgoingMessage } from "./stomp-frames.ts";

/** What the hub needs of a connected session. */
export interface HubSession {
  readonly userId: number;
  readonly subscriptionCount: number;
  /** Sends a MESSAGE for each of the session's subscriptions to the message's destination. */
  deliver(message: OutgoingMessage): void;
  /** Ends the session with an ERROR frame. */
  revoke(reason: string): void;
}

const SEEN_LIMIT = 20_000;

/**
 * This instance's sessions and their subscriptions, fed by the bus: every instance receives every chat message,
 * notification and session revocation, and delivers to its own sessions. Repeats (at-least-once) are dropped by id.
 */
export class RealtimeHub {
  readonly #logger: Logger;
  readonly #byUser = new Map<number, Set<HubSession>>();
  readonly #byDestination = new Map<string, Set<HubSession>>();
  readonly #seen = new Set<string>();
  readonly #outbox: Pick<OutboxWriter, "enqueue">;

  constructor(bus: MessageBus, logger: Logger, outbox: Pick<OutboxWriter, "enqueue">) {
    this.#logger = logger;
    this.#outbox = outbox;
    bus.subscribe((topic, message) => this.#receive(topic, message));
  }

  get sessionCount(): number {
    let count = 0;
    for (const sessions of this.#byUser.values()) count += sessions.size;
    return count;
  }

  get subscriptionCount(): number {
    let count = 0;
    for (const sessions of this.#byUser.values())
      for (const session of sessions) count += session.subscriptionCount;
    return count;
  }

  /** How many sessions the user has on this instance. */
  sessionsOf(userId: number): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  add(session: HubSession): void {
    this.#index(this.#byUser, session.userId, session);
  }

  remove(session: HubSession): void {
    this.#unindex(this.#byUser, session.userId, session);
    for (const [destination, sessions] of this.#byDestination) {
      sessions.delete(session);
      if (sessions.size === 0) this.#byDestination.delete(destination);
    }
  }

  /** The session listens to the destination (it has at least one subscription there). */
  listen(session: HubSession, destination: string): void {
    this.#index(this.#byDestination, destination, session);
  }

  unlisten(session: HubSession, destination: string): void {
    this.#unindex(this.#byDestination, destination, session);
  }

  /**
   * Closes the user's sessions on every instance once `tx` commits: here at once, elsewhere through the outbox,
   * so a broker outage delays the other instances but neither loses the revocation nor holds up the caller.
   */
  async revokeSessions(tx: Tx, userId: number, reason: string): Promise<void> {
    const message = await this.#outbox.enqueue(tx, "session", { userId, reason });
    afterCommit(tx, () => {
      // Our own copy, relayed later, must not close a session the user opens in the meantime.
      this.#remember(message.id);
      this.#closeUser(userId, reason);
    });
  }

  /** Answers false for a message seen before. */
  #remember(id: string): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > SEEN_LIMIT) this.#seen.delete(this.#seen.values().next().value as string);
    return true;
  }

  #receive(topic: BusTopic, message: BusMessage): void {
    if (!this.#remember(message.id)) return;
    try {
      if (topic === "chat") this.#chat(message.body as ChatMessage);
      else if (topic === "notification") this.#notification(message.body as NotificationEvent);
      else if (topic === "session") {
        const { userId, reason } = message.body as { userId: number; reason: string };
        this.#closeUser(userId, reason);
      } else if (topic === "board") this.#board(message.body as BoardTopicEvent);
    } catch (error) {
      // A malformed message must not stop the consumer that delivers every other one.
      this.#logger.error("bus message not delivered", { topic, id: message.id, error: String(error) });
    }
  }

  #chat(message: ChatMessage): void {
    const destination = chatRoomTopic(message.roomId);
    this.#deliver(destination, JSON.stringify(message));
    // Whoever left stops hearing the room, on every instance.
    if (message.type === "OUT" && message.sender) {
      for (const session of this.#byUser.get(message.sender.id) ?? []) this.unlisten(session, destination);
    }
  }

  #notification({ userId, notification }: NotificationEvent): void {
    const message = new OutgoingMessage(NOTIFICATIONS_DESTINATION, JSON.stringify(notification));
    const sessions =
      userId === null ? this.#byDestination.get(NOTIFICATIONS_DESTINATION) : this.#byUser.get(userId);
    for (const session of sessions ?? []) session.deliver(message);
  }

  #board({ boardId, event }: BoardTopicEvent): void {
    this.#deliver(boardTopic(boardId), JSON.stringify(event));
  }

  #deliver(destination: string, body: string): void {
    const sessions = this.#byDestination.get(destination);
    if (!sessions) return;
    const message = new OutgoingMessage(destination, body);
    for (const session of sessions) session.deliver(message);
  }

  #closeUser(userId: number, reason: string): void {
    for (const session of [...(this.#byUser.get(userId) ?? [])]) session.revoke(reason);
  }

  #index<K>(map: Map<K, Set<HubSession>>, key: K, session: HubSession): void {
    const sessions = map.get(key) ?? new Set();
    sessions.add(session);
    map.set(key, sessions);
  }

  #unindex<K>(map: Map<K, Set<HubSession>>, key: K, session: HubSession): void {
    const sessions = map.get(key);
    sessions?.delete(session);
    if (sessions?.size === 0) map.delete(key);
  }
}
