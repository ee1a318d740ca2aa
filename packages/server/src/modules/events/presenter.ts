import type { Event } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { EventsTable } from "../../db/schema.ts";
import { iso } from "../../shared/time.ts";

export type EventRow = Selectable<EventsTable>;

export function presentEvent(row: EventRow): Event {
  return {
    id: row.id,
    title: row.title,
    capacity: row.capacity,
    points: row.points,
    startsAt: iso(row.starts_at),
    endsAt: row.ends_at === null ? null : iso(row.ends_at),
    taken: row.taken,
  };
}
