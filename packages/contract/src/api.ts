import { attachments } from "./attachments.ts";
import { auth } from "./auth.ts";
import { boards } from "./boards.ts";
import { categories, userCategories } from "./categories.ts";
import { chat } from "./chat.ts";
import { comments } from "./comments.ts";
import { events } from "./events.ts";
import { moderation } from "./moderation.ts";
import { announcements, notifications } from "./notifications.ts";
import { adminPoints, points } from "./points.ts";
import { rankings } from "./rankings.ts";
import { review } from "./review.ts";
import { keywordRankings, search } from "./search.ts";
import { paymentWebhooks, subscriptions } from "./subscriptions.ts";
import { adminUsers, users } from "./users.ts";

/** Every REST endpoint, by resource. The server mounts these, the SDK calls them, OpenAPI describes them. */
export const api = {
  auth,
  users,
  adminUsers,
  categories,
  userCategories,
  boards,
  comments,
  points,
  adminPoints,
  moderation,
  chat,
  notifications,
  announcements,
  rankings,
  search,
  keywordRankings,
  attachments,
  events,
  subscriptions,
  paymentWebhooks,
  review,
};
