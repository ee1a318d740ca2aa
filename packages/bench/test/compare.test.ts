import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compare } from "../src/compare.ts";
import type { ScenarioResult } from "../src/results.ts";
import { scenarioResult, strategy } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "bench-compare-"));
const file = (name: string, result: ScenarioResult) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(result));
  return path;
};
const line = (output: string, start: string) => output.split("\n").find((l) => l.startsWith(`| ${start} |`));

describe("compare", () => {
  const before = file(
    "a.json",
    scenarioResult([
      strategy({ strategy: "db", rps: 100, rpsRuns: [95, 100, 105], p99: 20 }),
      strategy({ strategy: "sorted-set", rps: 400, rpsRuns: [380, 400, 420] }),
      strategy({ strategy: "gone", rps: 10 }),
    ]),
  );
  const after = file(
    "b.json",
    scenarioResult(
      [
        strategy({ strategy: "db", rps: 300, rpsRuns: [290, 300, 310], p99: 8 }),
        strategy({ strategy: "sorted-set", rps: 420, rpsRuns: [370, 420, 430] }),
        strategy({ strategy: "fresh", label: "c=10", rps: 50 }),
      ],
      {
        env: { ...scenarioResult([]).env, commit: "def5678" },
        baselines: { "koa c=10": { rps: 250, p50: 1, p99: 3 } },
      },
    ),
  );

  it("prints each figure's ratio and marks only changes beyond both runs' spread", () => {
    const output = compare(before, after);
    expect(output.split("\n")[0]).toBe(`rank-users: ${before} (commit abc1234) → ${after} (commit def5678)`);
    expect(line(output, "db")).toBe("| db | 100 → 300 | 3.00× | 20 → 8 | **faster** |");
    expect(line(output, "sorted-set")).toBe("| sorted-set | 400 → 420 | 1.05× | 20 → 20 | within spread |");
    expect(line(output, "fresh (c=10)")).toBe("| fresh (c=10) | — → 50 | new | — → 20 | new |");
    expect(line(output, "baseline koa c=10")).toBe(
      "| baseline koa c=10 | 200 → 250 | 1.25× | 4 → 3 | baseline |",
    );
  });

  it("marks a slowdown and reads the runs in the order given", () => {
    expect(line(compare(after, before), "db")).toBe("| db | 300 → 100 | 0.33× | 8 → 20 | **slower** |");
  });

  it("refuses two different scenarios", () => {
    const other = file("c.json", scenarioResult([], { scenario: "points" }));
    expect(() => compare(before, other)).toThrow("different scenarios: rank-users and points");
  });
});
