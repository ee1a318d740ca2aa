import type { Notification } from "@codechef/contract";
import { sql } from "kysely";
import { isUniqueViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import type { OutboxWriter } from "../../outbox/outbox.ts";
import { NotFoundError, ValidationError } from "../../shared/errors.ts";
import { iso } from "../../shared/time.ts";
import type { UserRow } from "../../shared/user-row.ts";

/** What the bus carries for a notification: its owner, or null for a broadcast to everyone. */
export interface NotificationEvent {
  userId: number | null;
  notification: Notification;
}

const UNREAD = sql<boolean>`n.read_at is null and r.read_at is null`;

type Reader = Pick<UserRow, "id" | "created_at">;

interface NotificationRow {
  id: number;
  type: string;
  payload: string;
  read_at: number | null;
  created_at: number;
}

function present(row: NotificationRow): Notification {
  return {
    id: row.id,
    type: row.type,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    readAt: row.read_at === null ? null : iso(row.read_at),
    createdAt: iso(row.created_at),
  };
}

/**
 * Stored notifications with live delivery through the outbox. A broadcast (an announcement) is one row with no
 * user: every user who existed when it was made sees it, and their reads of it are rows of
 * `notification_reads`, so announcing costs one insert however many users there are.
 */
export class NotificationService {
  readonly #database: SqlDatabase;
  readonly #outbox: OutboxWriter;

  constructor(deps: { database: SqlDatabase; outbox: OutboxWriter }) {
    this.#database = deps.database;
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
    const { insertId } = await tx.insertInto("notifications").values(row).executeTakeFirstOrThrow();
    const notification = present({ ...row, id: Number(insertId) });
    await this.#outbox.enqueue(tx, "notification", { userId, notification } satisfies NotificationEvent);
    return notification;
  }

  async announce(title: string, body: string): Promise<Notification> {
    return this.#database.transaction((tx) => this.notify(tx, null, "ANNOUNCEMENT", { title, body }));
  }

  #visible(reader: Reader) {
    return this.#database.db
      .selectFrom("notifications as n")
      .leftJoin("notification_reads as r", (join) =>
        join.onRef("r.notification_id", "=", "n.id").on("r.user_id", "=", reader.id),
      )
      .where((eb) =>
        eb.or([
          eb("n.user_id", "=", reader.id),
          eb.and([eb("n.user_id", "is", null), eb("n.created_at", ">=", reader.created_at)]),
        ]),
      );
  }

  async list(reader: Reader, query: { unread?: boolean; cursor?: string; limit: number }) {
    let select = this.#visible(reader).select([
      "n.id",
      "n.type",
      "n.payload",
      "n.created_at",
      sql<number | null>`coalesce(n.read_at, r.read_at)`.as("read_at"),
    ]);
    if (query.unread) select = select.where(UNREAD);
    if (query.cursor !== undefined) {
      const before = Number(query.cursor);
      if (!Number.isSafeInteger(before) || before < 1) {
        throw new ValidationError([{ path: "query.cursor", message: "not a cursor from this list" }]);
      }
      select = select.where("n.id", "<", before);
    }
    const rows = await select.orderBy("n.id", "desc").limit(query.limit).execute();
    const last = rows.at(-1);
    return {
      items: rows.map(present),
      nextCursor: rows.length === query.limit && last ? String(last.id) : null,
    };
  }

  async unreadCount(reader: Reader): Promise<number> {
    const row = await this.#visible(reader)
      .where(UNREAD)
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async read(reader: Reader, id: number): Promise<Notification> {
    const row = await this.#visible(reader)
      .where("n.id", "=", id)
      .select(["n.id", "n.user_id", "n.read_at", sql<number | null>`r.read_at`.as("broadcast_read_at")])
      .executeTakeFirst();
    if (!row) throw new NotFoundError("notification");
    const now = Date.now();
    if (row.user_id !== null) {
      await this.#database.db
        .updateTable("notifications")
        .set({ read_at: now })
        .where("id", "=", id)
        .where("read_at", "is", null)
        .execute();
    } else if (row.broadcast_read_at === null) {
      await this.#database.db
        .insertInto("notification_reads")
        .values({ notification_id: id, user_id: reader.id, read_at: now })
        .execute()
        .catch((error: unknown) => {
          if (!isUniqueViolation(error)) throw error;
        });
    }
    return this.#one(reader, id);
  }

  async #one(reader: Reader, id: number): Promise<Notification> {
    const row = await this.#visible(reader)
      .where("n.id", "=", id)
      .select([
        "n.id",
        "n.type",
        "n.payload",
        "n.created_at",
        sql<number | null>`coalesce(n.read_at, r.read_at)`.as("read_at"),
      ])
      .executeTakeFirstOrThrow();
    return present(row);
  }

  async readAll(reader: Reader): Promise<void> {
    const now = Date.now();
    await this.#database.transaction(async (tx) => {
      await tx
        .updateTable("notifications")
        .set({ read_at: now })
        .where("user_id", "=", reader.id)
        .where("read_at", "is", null)
        .execute();
      await tx
        .insertInto("notification_reads")
        .columns(["notification_id", "user_id", "read_at"])
        .expression((eb) =>
          eb
            .selectFrom("notifications as n")
            .select((s) => ["n.id", s.val(reader.id).as("user_id"), s.val(now).as("read_at")])
            .where("n.user_id", "is", null)
            .where("n.created_at", ">=", reader.created_at)
            .where((w) =>
              w.not(
                w.exists(
                  w
                    .selectFrom("notification_reads as r")
                    .select("r.user_id")
                    .whereRef("r.notification_id", "=", "n.id")
                    .where("r.user_id", "=", reader.id),
                ),
              ),
            ),
        )
        .execute();
    });
  }
}
