import { readFileSync } from "node:fs";
import type { ScenarioResult, StrategyResult } from "./results.ts";

const key = (r: StrategyResult) => `${r.strategy}${r.label ? ` (${r.label})` : ""}`;

/** A change counts only when each run's median lies outside the other run's spread of repeats. */
function beyondSpread(a: StrategyResult, b: StrategyResult): boolean {
  const range = (r: StrategyResult) =>
    [Math.min(...r.rpsRuns, r.rps), Math.max(...r.rpsRuns, r.rps)] as const;
  const [aMin, aMax] = range(a);
  const [bMin, bMax] = range(b);
  return (b.rps < aMin || b.rps > aMax) && (a.rps < bMin || a.rps > bMax);
}

export function compare(pathA: string, pathB: string): string {
  const [a, b] = [pathA, pathB].map((path) => JSON.parse(readFileSync(path, "utf8")) as ScenarioResult);
  if (!a || !b) throw new Error("two result files are needed");
  if (a.scenario !== b.scenario) throw new Error(`different scenarios: ${a.scenario} and ${b.scenario}`);
  const lines = [
    `${a.scenario}: ${pathA} (commit ${a.env.commit}) → ${pathB} (commit ${b.env.commit})`,
    "",
    "| strategy | req/s A → B | ratio | p99 ms A → B | change |",
    "| --- | --- | --- | --- | --- |",
  ];
  const before = new Map(a.results.map((r) => [key(r), r]));
  for (const after of b.results) {
    const old = before.get(key(after));
    if (!old) {
      lines.push(`| ${key(after)} | — → ${after.rps} | new | — → ${after.p99} | new |`);
      continue;
    }
    const ratio = old.rps > 0 ? after.rps / old.rps : Number.NaN;
    const change = beyondSpread(old, after) ? (ratio > 1 ? "**faster**" : "**slower**") : "within spread";
    lines.push(
      `| ${key(after)} | ${old.rps} → ${after.rps} | ${ratio.toFixed(2)}× | ${old.p99} → ${after.p99} | ${change} |`,
    );
  }
  for (const [name, figure] of Object.entries(b.baselines)) {
    const old = a.baselines[name];
    if (old)
      lines.push(
        `| baseline ${name} | ${old.rps} → ${figure.rps} | ${(figure.rps / old.rps).toFixed(2)}× | ${old.p99} → ${figure.p99} | baseline |`,
      );
  }
  return lines.join("\n");
}
