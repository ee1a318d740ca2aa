import type { ScenarioResult, StrategyResult } from "../src/results.ts";

export function strategy(fields: Partial<StrategyResult> & Pick<StrategyResult, "strategy">): StrategyResult {
  return {
    meantCorrect: true,
    correct: null,
    expected: null,
    final: null,
    lost: null,
    retries: null,
    refused: 0,
    durationMs: 1000,
    rps: 100,
    rpsRuns: [100],
    p50: 5,
    p99: 20,
    errors: 0,
    non2xx: 0,
    label: "",
    baseline: "koa c=10",
    ratio: 0.5,
    original: null,
    ...fields,
  };
}

export function scenarioResult(
  results: StrategyResult[],
  fields: Partial<ScenarioResult> = {},
): ScenarioResult {
  return {
    scenario: "rank-users",
    env: { node: "v24.0.0", cpu: "test cpu", cores: 2, commit: "abc1234", services: "env", pinned: true },
    params: { connections: [10] },
    baselines: { "koa c=10": { rps: 200, p50: 1, p99: 4 } },
    results,
    seed: { figure: 1000, unit: "ledger rows" },
    notes: ["Why the figures are what they are."],
    ...fields,
  };
}
