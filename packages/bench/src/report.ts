import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { goalsTable } from "./goals.ts";
import type { ScenarioResult } from "./results.ts";

export function readResults(dir: string): ScenarioResult[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as ScenarioResult);
}

/** One bar per row of `field`, ours and the baselines of the same run told apart by colour. */
function bars(field: "rps" | "p99", title: string, labels: boolean) {
  return {
    width: 420,
    encoding: {
      y: labels
        ? { field: "name", type: "nominal" as const, sort: null, title: null, axis: { labelLimit: 360 } }
        : { field: "name", type: "nominal" as const, sort: null, title: null, axis: null },
      x: { field, type: "quantitative" as const, title },
    },
    layer: [
      {
        mark: { type: "bar" as const, tooltip: true },
        encoding: {
          color: {
            field: "kind",
            type: "nominal" as const,
            title: null,
            scale: { domain: ["ours", "baseline"], range: ["#4c78a8", "#bab0ac"] },
          },
        },
      },
      {
        mark: { type: "text" as const, align: "left" as const, dx: 4 },
        encoding: { text: { field, type: "quantitative" as const, format: "," } },
      },
    ],
  };
}

/** Requests (or deliveries) per second and p99 latency of each strategy beside the baselines of the same run. */
function chartSpec(result: ScenarioResult): TopLevelSpec {
  const rows = [
    ...result.results.map((r) => ({
      name: `${r.strategy}${r.label ? ` (${r.label})` : ""}`,
      rps: r.rps,
      p99: r.p99,
      kind: "ours",
    })),
    ...Object.entries(result.baselines).map(([name, figure]) => ({
      name,
      rps: figure.rps,
      p99: figure.p99,
      kind: "baseline",
    })),
  ];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `${result.scenario}: throughput and p99 latency`,
      subtitle: `${result.env.services}, Node ${result.env.node}`,
    },
    data: { values: rows },
    hconcat: [bars("rps", "per second", true), bars("p99", "p99 ms", false)],
    resolve: { scale: { y: "shared" } },
    config: { background: "white", font: "DejaVu Sans" },
  };
}

async function writeChart(dir: string, result: ScenarioResult): Promise<void> {
  const view = new vega.View(vega.parse(compile(chartSpec(result)).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(join(dir, `${result.scenario}.svg`), svg);
  const png = new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, font: { loadSystemFonts: true } }).render();
  writeFileSync(join(dir, `${result.scenario}.png`), png.asPng());
}

const number = (value: number | null) => (value === null ? "—" : value.toLocaleString("en-US"));

function table(result: ScenarioResult): string {
  const lines = [
    `## ${result.scenario}`,
    "",
    `![${result.scenario}](${result.scenario}.png)`,
    "",
    "| strategy | params | original | ours: req/s | p50 / p99 ms | ratio to baseline | correct | expected / final | lost | retries | refused |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of result.results) {
    const ratio = r.ratio === null ? "—" : `${Math.round(r.ratio * 100)} % of ${r.baseline}`;
    const correct =
      r.correct === null ? "—" : r.correct ? "yes" : r.meantCorrect ? "**NO**" : "no (expected)";
    lines.push(
      `| ${r.strategy} | ${r.label || "—"} | ${r.original ?? "—"} | ${number(r.rps)} | ${r.p50} / ${r.p99} | ${ratio} | ${correct} | ${number(r.expected)} / ${number(r.final)} | ${number(r.lost)} | ${number(r.retries)} | ${number(r.refused)} |`,
    );
  }
  lines.push("", "Baselines in the same run:", "");
  for (const [name, figure] of Object.entries(result.baselines)) {
    lines.push(`- ${name}: ${number(figure.rps)}/s, p50 ${figure.p50} ms, p99 ${figure.p99} ms`);
  }
  if (result.seed) lines.push("", `Seeding: ${number(result.seed.figure)} ${result.seed.unit}.`);
  if (result.notes.length > 0) lines.push("", ...result.notes.map((note) => `- ${note}`));
  return lines.join("\n");
}

export async function writeReport(dir: string): Promise<string> {
  const results = readResults(dir);
  for (const result of results) await writeChart(dir, result);
  const first = results[0];
  const header = first
    ? `# codechef-bench report\n\nNode ${first.env.node}, ${first.env.cores} × ${first.env.cpu}, commit ${first.env.commit}, services: ${first.env.services}, ${first.env.pinned ? "server and load generator pinned to different cores" : "not pinned"}.\n`
    : "# codechef-bench report\n\nNo results.\n";
  const markdown = [header, goalsTable(results), ...results.map(table)].join("\n\n");
  const path = join(dir, "report.md");
  writeFileSync(path, `${markdown}\n`);
  return path;
}
