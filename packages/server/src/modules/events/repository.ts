import type { Insertable } from "kysely";
import type { Db, Tx } from "../../db/database.ts";
import type { EventsTable } from "../../db/schema.ts";
import type { EventRow } from "./presenter.ts";

export class EventRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async insert(row: Insertable<EventsTable>): Promise<number> {
    const { insertId } = await this.#db.insertInto("events").values(row).executeTakeFirstOrThrow();
    return Number(insertId);
  }

  get(id: number): Promise<EventRow | undefined> {
    return this.#db.selectFrom("events").selectAll().where("id", "=", id).executeTakeFirst();
  }

  list(limit: number): Promise<EventRow[]> {
    return this.#db
      .selectFrom("events")
      .selectAll()
      .orderBy("starts_at", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  }

  /** Takes one seat if the event is open at `now` and not full, in one conditional update. */
  async takeSeat(tx: Tx, id: number, now: number): Promise<boolean> {
    const result = await tx
      .updateTable("events")
      .set((eb) => ({ taken: eb("taken", "+", 1) }))
      .where("id", "=", id)
      .where((eb) => eb("taken", "<", eb.ref("capacity")))
      .where("starts_at", "<=", now)
      .where((eb) => eb.or([eb("ends_at", "is", null), eb("ends_at", ">", now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Throws a unique violation when the user already holds a seat. */
  async addParticipant(tx: Tx, eventId: number, userId: number, now: number): Promise<void> {
    await tx
      .insertInto("event_participants")
      .values({ event_id: eventId, user_id: userId, created_at: now })
      .execute();
  }

  isParticipant(eventId: number, userId: number): Promise<boolean> {
    return this.#db
      .selectFrom("event_participants")
      .select("user_id")
      .where("event_id", "=", eventId)
      .where("user_id", "=", userId)
      .executeTakeFirst()
      .then(Boolean);
  }

  /** Events started by `now` whose start nobody announced yet. */
  dueStarts(now: number, limit: number): Promise<EventRow[]> {
    return this.#db
      .selectFrom("events")
      .selectAll()
      .where("start_notified_at", "is", null)
      .where("starts_at", "<=", now)
      .orderBy("starts_at")
      .limit(limit)
      .execute();
  }

  /** Claims the start announcement; true for exactly one caller across every instance. */
  async claimStart(tx: Tx, id: number, now: number): Promise<boolean> {
    const result = await tx
      .updateTable("events")
      .set({ start_notified_at: now })
      .where("id", "=", id)
      .where("start_notified_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
