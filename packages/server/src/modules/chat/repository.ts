import type { CursorPage, Page, PageQuery } from "@codechef/contract";
import { addAndRead } from "../../db/counters.ts";
import type { Db, Dialect, Tx } from "../../db/database.ts";
import { fetchCursorPage, fetchPage } from "../../db/pages.ts";
import type { ChatMessagesTable } from "../../db/schema.ts";
import type { MessageRow, RoomRow } from "./presenter.ts";

type Queries = Db | Tx;

/** Chat rooms, members and messages. Functions taking `tx` must run inside the caller's transaction. */
export class ChatRepository {
  readonly #db: Db;
  readonly #dialect: Dialect;

  constructor(db: Db, dialect: Dialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  #rooms(db: Queries) {
    return db
      .selectFrom("chat_rooms as r")
      .innerJoin("users as h", "h.id", "r.host_id")
      .selectAll("r")
      .select((eb) => [
        "h.nickname as host_nickname",
        eb
          .selectFrom("chat_members as m")
          .whereRef("m.room_id", "=", "r.id")
          .select(eb.fn.countAll<number>().as("n"))
          .as("members"),
      ]);
  }

  findRoom(id: number, db: Queries = this.#db): Promise<RoomRow | undefined> {
    return this.#rooms(db).where("r.id", "=", id).executeTakeFirst() as Promise<RoomRow | undefined>;
  }

  listRooms({ status, ...page }: { status?: RoomRow["status"] } & PageQuery): Promise<Page<RoomRow>> {
    let select = this.#db.selectFrom("chat_rooms");
    if (status) select = select.where("status", "=", status);
    const rooms = status ? this.#rooms(this.#db).where("r.status", "=", status) : this.#rooms(this.#db);
    return fetchPage(
      rooms.orderBy("r.id", "desc").$castTo<RoomRow>(),
      select.select((eb) => eb.fn.countAll<number>().as("total")),
      page,
    );
  }

  async insertRoom(tx: Tx, title: string, hostId: number, now: number): Promise<number> {
    const { insertId } = await tx
      .insertInto("chat_rooms")
      .values({ title, host_id: hostId, status: "OPEN", created_at: now })
      .executeTakeFirstOrThrow();
    return Number(insertId);
  }

  /**
   * Takes the room's row lock before anything else in the transaction, so every change to one room (joins,
   * leaves, messages) runs one at a time and reads what the previous one committed. False: no such room.
   */
  async lockRoom(tx: Tx, roomId: number): Promise<boolean> {
    const result = await tx
      .updateTable("chat_rooms")
      .set((eb) => ({ last_seq: eb("last_seq", "+", 0) }))
      .where("id", "=", roomId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The user's status and whether they are in the room, in one read; undefined: no such user. */
  async sender(
    roomId: number,
    userId: number,
    db: Queries = this.#db,
  ): Promise<{ status: string; member: boolean } | undefined> {
    const row = await db
      .selectFrom("users as u")
      .leftJoin("chat_members as m", (join) =>
        join.onRef("m.user_id", "=", "u.id").on("m.room_id", "=", roomId),
      )
      .select(["u.status", "m.user_id as member"])
      .where("u.id", "=", userId)
      .executeTakeFirst();
    return row && { status: row.status, member: row.member !== null };
  }

  async isMember(roomId: number, userId: number, db: Queries = this.#db): Promise<boolean> {
    const row = await db
      .selectFrom("chat_members")
      .select("user_id")
      .where("room_id", "=", roomId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async addMember(tx: Tx, roomId: number, userId: number, now: number): Promise<void> {
    await tx
      .insertInto("chat_members")
      .values({ room_id: roomId, user_id: userId, joined_at: now })
      .execute();
  }

  async removeMember(tx: Tx, roomId: number, userId: number): Promise<boolean> {
    const result = await tx
      .deleteFrom("chat_members")
      .where("room_id", "=", roomId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** The member present longest (ties: the lower user id); undefined when the room is empty. */
  async longestPresentMember(tx: Tx, roomId: number): Promise<number | undefined> {
    const row = await tx
      .selectFrom("chat_members")
      .select("user_id")
      .where("room_id", "=", roomId)
      .orderBy("joined_at")
      .orderBy("user_id")
      .limit(1)
      .executeTakeFirst();
    return row?.user_id;
  }

  async setHost(tx: Tx, roomId: number, hostId: number): Promise<void> {
    await tx.updateTable("chat_rooms").set({ host_id: hostId }).where("id", "=", roomId).execute();
  }

  async close(tx: Tx, roomId: number): Promise<void> {
    await tx.updateTable("chat_rooms").set({ status: "CLOSED" }).where("id", "=", roomId).execute();
  }

  /**
   * Moves the room's seq on by `count` and answers the last of the seqs taken, in one atomic statement that also
   * takes the room's row lock (see `addAndRead`); undefined: no such room.
   */
  takeSeqs(tx: Tx, roomId: number, count = 1): Promise<number | undefined> {
    return addAndRead(tx, this.#dialect, { table: "chat_rooms", column: "last_seq" }, roomId, count);
  }

  /** Stores messages of one room under the seqs `takeSeqs` gave them, in one statement; answers them by seq. */
  async insertMessages(tx: Tx, messages: Omit<ChatMessagesTable, "id">[]): Promise<MessageRow[]> {
    await tx.insertInto("chat_messages").values(messages).execute();
    const seqs = messages.map((message) => message.seq);
    return this.#messages(tx)
      .where("c.room_id", "=", messages[0]?.room_id ?? 0)
      .where("c.seq", ">=", Math.min(...seqs))
      .where("c.seq", "<=", Math.max(...seqs))
      .orderBy("c.seq")
      .execute();
  }

  #messages(db: Queries) {
    return db
      .selectFrom("chat_messages as c")
      .leftJoin("users as s", "s.id", "c.sender_id")
      .selectAll("c")
      .select("s.nickname as sender_nickname");
  }

  /** Those with a seq above `after`, ascending; the cursor is the last one's seq. */
  messagesAfter(roomId: number, after: number, limit: number): Promise<CursorPage<MessageRow>> {
    const query = this.#messages(this.#db).where("c.room_id", "=", roomId).where("c.seq", ">", after);
    return fetchCursorPage(query.orderBy("c.seq"), limit, (last) => last.seq);
  }

  /** The latest `limit`, ascending seq. */
  async latestMessages(roomId: number, limit: number): Promise<MessageRow[]> {
    const latest = await this.#messages(this.#db)
      .where("c.room_id", "=", roomId)
      .orderBy("c.seq", "desc")
      .limit(limit)
      .execute();
    return latest.reverse();
  }
}
