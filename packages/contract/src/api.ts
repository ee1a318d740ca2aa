import { auth } from "./auth.ts";
import { keywordRankings, search } from "./search.ts";
import { adminUsers, users } from "./users.ts";

/** Every REST endpoint, by resource. The server mounts these, the SDK calls them, OpenAPI describes them. */
export const api = { auth, users, adminUsers, search, keywordRankings };
