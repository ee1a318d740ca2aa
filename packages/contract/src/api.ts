import { auth } from "./auth.ts";
import { rankings } from "./rankings.ts";
import { adminUsers, users } from "./users.ts";

/** Every REST endpoint, by resource. The server mounts these, the SDK calls them, OpenAPI describes them. */
export const api = { auth, users, adminUsers, rankings };
