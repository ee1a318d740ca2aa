import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeReport } from "../src/report.ts";
import { scenarioResult, strategy } from "./fixtures.ts";

describe("report", () => {
  it("writes one table per scenario, with the original's figure, the ratio and the notes, and an SVG and PNG chart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-report-"));
    writeFileSync(
      join(dir, "points.json"),
      JSON.stringify(
        scenarioResult(
          [
            strategy({
              strategy: "none",
              meantCorrect: false,
              correct: false,
              expected: 10_000,
              final: 40,
              lost: 996,
              retries: 0,
              ratio: 0.78,
              baseline: "raw atomic UPDATE",
              original: "wrong total, 2,834 ms",
            }),
            strategy({
              strategy: "atomic",
              correct: true,
              expected: 10_000,
              final: 10_000,
              lost: 0,
              rps: 1587,
            }),
            strategy({
              strategy: "production",
              label: "1,000 at c=1000",
              correct: true,
              durationMs: 373,
              baseline: "raw atomic UPDATE",
            }),
            strategy({
              strategy: "production",
              label: "10,000 at c=100",
              correct: true,
              ratio: 0.35,
              baseline: "raw atomic UPDATE",
            }),
          ],
          { scenario: "points", baselines: { "raw atomic UPDATE": { rps: 1387, p50: 4.2, p99: 98.7 } } },
        ),
      ),
    );
    writeFileSync(
      join(dir, "rank-users.json"),
      JSON.stringify(scenarioResult([strategy({ strategy: "db" })])),
    );

    const path = await writeReport(dir);

    const report = readFileSync(path, "utf8");
    expect(report).toContain("commit abc1234");
    expect(report.indexOf("## points")).toBeGreaterThan(0);
    expect(report.indexOf("## points")).toBeLessThan(report.indexOf("## rank-users"));
    expect(report).toContain(
      "| none | — | wrong total, 2,834 ms | 100 | 5 / 20 | 78 % of raw atomic UPDATE | no (expected) | 10,000 / 40 | 996 | 0 | 0 |",
    );
    expect(report).toContain("| atomic | — | — | 1,587 |");
    expect(report).toContain("- raw atomic UPDATE: 1,387/s, p50 4.2 ms, p99 98.7 ms");
    expect(report.indexOf("## Goals")).toBeLessThan(report.indexOf("## points"));
    expect(report).toContain(
      "| 1,000 concurrent grants to one user: ≤ 0.5 s, exactly correct | points | production 1,000 at c=1000 | 373 ms | yes |",
    );
    expect(report).toContain(
      "| points | production 10,000 at c=100 | 35 % of raw atomic UPDATE, p50 5 / p99 20 ms | **no** |",
    );
    expect(report).toMatch(/\| views \| — \| not measured in this run \| — \|/);
    expect(report).toContain("![rank-users](rank-users.png)");
    expect(report).toContain("- Why the figures are what they are.");
    for (const name of ["points", "rank-users"]) {
      const svg = readFileSync(join(dir, `${name}.svg`), "utf8");
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain(`${name}: throughput`);
      const png = readFileSync(join(dir, `${name}.png`));
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    }
    expect(readFileSync(join(dir, "points.svg"), "utf8")).toContain("raw atomic UPDATE");
  });
});
