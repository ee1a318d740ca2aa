import type { CursorPage } from "@codechef/contract";
import { type Insertable, sql } from "kysely";
import { isUniqueViolation } from "../../db/constraint-errors.ts";
import type { Db, Tx } from "../../db/database.ts";
import { fetchCursorPage } from "../../db/pages.ts";
import type { NotificationsTable } from "../../db/schema.ts";
import type { UserRow } from "../../shared/user-row.ts";
import type { NotificationRow } from "./presenter.ts";

const UNREAD = sql<boolean>`n.read_at is null and r.read_at is null`;
const READ_AT = sql<number | null>`coalesce(n.read_at, r.read_at)`.as("read_at");

export type Reader = Pick<UserRow, "id" | "created_at">;

/**
 * Notifications and their reads. A broadcast (an announcement) is one row with no user: every user who existed
 * when it was made sees it, and their reads of it are rows of `notification_reads`.
 */
export class NotificationRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insert(tx: Tx, row: Insertable<NotificationsTable>): Promise<number> {
    const { insertId } = await tx.insertInto("notifications").values(row).executeTakeFirstOrThrow();
    return Number(insertId);
  }

  #visible(reader: Reader) {
    return this.#db
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

  #rows(reader: Reader) {
    return this.#visible(reader).select(["n.id", "n.type", "n.payload", "n.created_at", READ_AT]);
  }

  /** Newest first, from before the notification `before` when given. */
  list(
    reader: Reader,
    { unread, before, limit }: { unread?: boolean; before?: number; limit: number },
  ): Promise<CursorPage<NotificationRow>> {
    let select = this.#rows(reader);
    if (unread) select = select.where(UNREAD);
    if (before !== undefined) select = select.where("n.id", "<", before);
    return fetchCursorPage(select.orderBy("n.id", "desc"), limit, (last) => last.id);
  }

  find(reader: Reader, id: number): Promise<NotificationRow | undefined> {
    return this.#rows(reader).where("n.id", "=", id).executeTakeFirst();
  }

  async unreadCount(reader: Reader): Promise<number> {
    const row = await this.#visible(reader)
      .where(UNREAD)
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Marks one notification the reader sees as read (once); false when they see no such notification. */
  async markRead(reader: Reader, id: number): Promise<boolean> {
    const row = await this.#visible(reader)
      .where("n.id", "=", id)
      .select(["n.id", "n.user_id", "n.read_at", sql<number | null>`r.read_at`.as("broadcast_read_at")])
      .executeTakeFirst();
    if (!row) return false;
    const now = Date.now();
    if (row.user_id !== null) {
      await this.#db
        .updateTable("notifications")
        .set({ read_at: now })
        .where("id", "=", id)
        .where("read_at", "is", null)
        .execute();
    } else if (row.broadcast_read_at === null) {
      await this.#db
        .insertInto("notification_reads")
        .values({ notification_id: id, user_id: reader.id, read_at: now })
        .execute()
        .catch((error: unknown) => {
          if (!isUniqueViolation(error)) throw error;
        });
    }
    return true;
  }

  async markAllRead(tx: Tx, reader: Reader, now: number): Promise<void> {
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
  }
}
