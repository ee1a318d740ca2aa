import type { Migration } from "kysely/migration";
import * as accounts from "./001-accounts.ts";
import * as community from "./002-community.ts";
import * as search from "./003-search.ts";
import * as realtime from "./004-realtime.ts";
import * as rankings from "./005-rankings.ts";
import * as idempotency from "./006-idempotency.ts";
import * as nicknameKeys from "./007-nickname-keys.ts";
import * as fairness from "./008-fairness.ts";
import * as communityExtras from "./009-community.ts";
import * as codeReview from "./010-code-review.ts";
import * as outboxLease from "./011-outbox-lease.ts";
import * as searchGeneration from "./012-search-generation.ts";
import * as keywordGeneration from "./013-keyword-generation.ts";

/** In order; a name, once released, never changes. */
export const migrations: Record<string, Migration> = {
  "001-accounts": accounts,
  "002-community": community,
  "003-search": search,
  "004-realtime": realtime,
  "005-rankings": rankings,
  "006-idempotency": idempotency,
  "007-nickname-keys": nicknameKeys,
  "008-fairness": fairness,
  "009-community": communityExtras,
  "010-code-review": codeReview,
  "011-outbox-lease": outboxLease,
  "012-search-generation": searchGeneration,
  "013-keyword-generation": keywordGeneration,
};
