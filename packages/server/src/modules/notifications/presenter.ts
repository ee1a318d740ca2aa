import type { Notification } from "@codechef/contract";
import { iso } from "../../shared/time.ts";

export interface NotificationRow {
  id: number;
  type: string;
  payload: string;
  read_at: number | null;
  created_at: number;
}

export function presentNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    type: row.type,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    readAt: row.read_at === null ? null : iso(row.read_at),
    createdAt: iso(row.created_at),
  };
}
