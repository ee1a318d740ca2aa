import type { Scenario } from "../scenario.ts";
import { chatFanout } from "./chat-fanout.ts";
import { events } from "./events.ts";
import { keywords } from "./keywords.ts";
import { points } from "./points.ts";
import { rankBoards, rankUsers } from "./rankings.ts";
import { search } from "./search.ts";
import { views } from "./views.ts";

/** In the order `run all` takes them. */
export const scenarios: Scenario[] = [
  points,
  rankBoards,
  rankUsers,
  search,
  keywords,
  views,
  chatFanout,
  events,
];
