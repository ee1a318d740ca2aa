import { z } from "zod";
import { CursorQuery, cursorPageOf, IdParams, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";

export const Notification = z.object({
  id: z.int(),
  /** e.g. `COMMENT`, `ANNOUNCEMENT`. */
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  readAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type Notification = z.infer<typeof Notification>;

export const NotificationsQuery = CursorQuery.extend({ unread: z.stringbool().optional() });
export type NotificationsQuery = z.input<typeof NotificationsQuery>;

export const AnnouncementBody = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(5000),
});
export type AnnouncementBody = z.input<typeof AnnouncementBody>;

export const notifications = {
  list: endpoint({
    method: "GET",
    path: "/notifications",
    summary: "Your notifications, newest first",
    access: "user",
    query: NotificationsQuery,
    response: cursorPageOf(Notification),
  }),
  unreadCount: endpoint({
    method: "GET",
    path: "/notifications/unread-count",
    summary: "How many of your notifications are unread",
    access: "user",
    response: z.object({ count: z.int() }),
  }),
  read: endpoint({
    method: "POST",
    path: "/notifications/:id/read",
    summary: "Mark one notification read",
    access: "user",
    params: IdParams,
    response: Notification,
  }),
  readAll: endpoint({
    method: "POST",
    path: "/notifications/read-all",
    summary: "Mark every notification read",
    access: "user",
    status: 204,
  }),
};

export const announcements = {
  create: endpoint({
    method: "POST",
    path: "/admin/announcements",
    summary: "Notify every user (one broadcast notification)",
    access: "admin",
    status: 201,
    body: AnnouncementBody,
    response: Notification,
    location: "/notifications/:id",
  }),
};
