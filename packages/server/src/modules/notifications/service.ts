import type { CursorPage, Notification } from "@codechef/contract";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import { idCursor } from "../../db/pages.ts";
import type { OutboxWriter } from "../../outbox/outbox.ts";
import { NotFoundError } from "../../shared/errors.ts";
import { presentNotification } from "./presenter.ts";
import type { NotificationRepository, Reader } from "./repository.ts";

/** What the bus carries for a notification: its owner, or null for a broadcast to everyone. */
export interface NotificationEvent {
  userId: number | null;
  notification: Notification;
}

/** Stored notifications with live delivery through the outbox; announcing costs one insert however many users. */
export class NotificationService {
  readonly #database: SqlDatabase;
  readonly #notifications: NotificationRepository;
  readonly #outbox: OutboxWriter;

  constructor(deps: { database: SqlDatabase; notifications: NotificationRepository; outbox: OutboxWriter }) {
    this.#database = deps.database;
    this.#notifications = deps.notifications;
    this.#outbox = deps.outbox;
  }

  /** Stores a notification in the caller's transaction; it is relayed to the bus as soon as that commits. */
  async notify(tx: Tx, userId: number | null, type: string, payload: Record<string, unknown>) {
    const row = {
      user_id: userId,
      type,
      payload: JSON.stringify(payload),
      read_at: null,
      created_at: Date.now(),
    };
    const id = await this.#notifications.insert(tx, row);
    const notification = presentNotification({ ...row, id });
    await this.#outbox.enqueue(tx, "notification", { userId, notification } satisfies NotificationEvent);
    return notification;
  }

  async announce(title: string, body: string): Promise<Notification> {
    return this.#database.transaction((tx) => this.notify(tx, null, "ANNOUNCEMENT", { title, body }));
  }

  async list(
    reader: Reader,
    query: { unread?: boolean; cursor?: string; limit: number },
  ): Promise<CursorPage<Notification>> {
    const before = idCursor(query.cursor);
    const page = await this.#notifications.list(reader, { unread: query.unread, before, limit: query.limit });
    return { ...page, items: page.items.map(presentNotification) };
  }

  unreadCount(reader: Reader): Promise<number> {
    return this.#notifications.unreadCount(reader);
  }

  async read(reader: Reader, id: number): Promise<Notification> {
    if (!(await this.#notifications.markRead(reader, id))) throw new NotFoundError("notification");
    const row = await this.#notifications.find(reader, id);
    if (!row) throw new NotFoundError("notification");
    return presentNotification(row);
  }

  async readAll(reader: Reader): Promise<void> {
    const now = Date.now();
    await this.#database.transaction((tx) => this.#notifications.markAllRead(tx, reader, now));
  }
}
