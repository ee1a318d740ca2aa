import { auth } from "./auth.ts";
import { chat } from "./chat.ts";
import { announcements, notifications } from "./notifications.ts";
import { adminUsers, users } from "./users.ts";

/** Every REST endpoint, by resource. The server mounts these, the SDK calls them, OpenAPI describes them. */
export const api = { auth, users, adminUsers, chat, notifications, announcements };
