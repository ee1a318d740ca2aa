import type { Scenario } from "../scenario.ts";
import { points } from "./points.ts";

export const scenarios: Scenario[] = [points];
