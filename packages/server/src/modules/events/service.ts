import type { CreateEventBody, Event, LedgerEntry } from "@codechef/contract";
import type { z } from "zod";
import { isUniqueViolation } from "../../db/constraint-errors.ts";
import type { SqlDatabase } from "../../db/database.ts";
import type { Job } from "../../jobs.ts";
import { ConflictError, NotFoundError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import type { NotificationService } from "../notifications/service.ts";
import { presentLedgerEntry } from "../points/presenter.ts";
import type { PointsService } from "../points/service.ts";
import { type EventRow, presentEvent } from "./presenter.ts";
import type { EventRepository } from "./repository.ts";

const LIST_LIMIT = 100;
const START_BATCH = 50;

/** First-come point events: a seat and its points are taken in one transaction, or not at all. */
export class EventService {
  readonly #database: SqlDatabase;
  readonly #events: EventRepository;
  readonly #points: PointsService;
  readonly #notifications: NotificationService;

  constructor(deps: {
    database: SqlDatabase;
    events: EventRepository;
    points: PointsService;
    notifications: NotificationService;
  }) {
    this.#database = deps.database;
    this.#events = deps.events;
    this.#points = deps.points;
    this.#notifications = deps.notifications;
  }

  async create(admin: UserRow, body: z.output<typeof CreateEventBody>): Promise<Event> {
    const now = Date.now();
    const id = await this.#events.insert({
      title: body.title,
      capacity: body.capacity,
      points: body.points,
      starts_at: body.startsAt ? Date.parse(body.startsAt) : now,
      ends_at: body.endsAt ? Date.parse(body.endsAt) : null,
      start_notified_at: null,
      created_by: admin.id,
      created_at: now,
    });
    return this.get(id);
  }

  async get(id: number): Promise<Event> {
    const row = await this.#events.get(id);
    if (!row) throw new NotFoundError("event");
    return presentEvent(row);
  }

  async list(): Promise<{ items: Event[] }> {
    return { items: (await this.#events.list(LIST_LIMIT)).map(presentEvent) };
  }

  /**
   * Takes a seat in one transaction: the (event, user) row, the ledger entry `event:{id}:{user}`, and last the
   * conditional `taken < capacity` update, so the event's row is locked only from that update to the commit.
   * A seat that cannot be had rolls everything back. A full event is refused from a plain read.
   */
  async join(user: UserRow, id: number): Promise<LedgerEntry> {
    const now = Date.now();
    const event = await this.#events.get(id);
    if (!event) throw new NotFoundError("event");
    const refusal = await this.#refusal(event, user.id, now);
    if (refusal) throw refusal;
    try {
      return await this.#database.transaction(async (tx) => {
        await this.#events.addParticipant(tx, id, user.id, now);
        const { entry } = await this.#points.apply(tx, {
          userId: user.id,
          delta: event.points,
          reason: `event: ${event.title}`,
          reference: `event:${id}`,
          idempotencyKey: `event:${id}:${user.id}`,
        });
        // Start and end were checked against the same `now`: a seat refused here means the event filled.
        if (!(await this.#events.takeSeat(tx, id, now))) throw full();
        return presentLedgerEntry(entry);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyJoined();
      throw error;
    }
  }

  /** Why `event` has no seat for the user at `now`, or undefined while it may. */
  async #refusal(event: EventRow, userId: number, now: number): Promise<Error | undefined> {
    if (event.starts_at > now) return new ConflictError("the event has not started", "EVENT_NOT_STARTED");
    if (event.ends_at !== null && event.ends_at <= now) {
      return new ConflictError("the event has ended", "EVENT_ENDED");
    }
    if (event.taken < event.capacity) return undefined;
    // Full and already in: the user hears they are in.
    return (await this.#events.isParticipant(event.id, userId)) ? alreadyJoined() : full();
  }

  /** Announces each event that started, once: the claim and the notification commit together. */
  readonly startAnnouncer: Job = {
    name: "event-start",
    run: async (now) => {
      for (const event of await this.#events.dueStarts(now, START_BATCH)) {
        await this.#database.transaction(async (tx) => {
          if (!(await this.#events.claimStart(tx, event.id, now))) return;
          await this.#notifications.notify(tx, null, "EVENT_STARTED", startPayload(event));
        });
      }
    },
  };
}

const alreadyJoined = () => new ConflictError("you already joined this event", "ALREADY_JOINED");
const full = () => new ConflictError("every seat is taken", "EVENT_FULL");

function startPayload(event: EventRow) {
  const { id, title, points, capacity } = presentEvent(event);
  return { eventId: id, title, points, capacity };
}
