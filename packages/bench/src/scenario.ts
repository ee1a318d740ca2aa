import type { Figure } from "./baselines.ts";
import type { Child } from "./processes.ts";
import type { ScenarioResult, StrategyResult } from "./results.ts";
import type { Services } from "./services.ts";

export interface RunParams {
  connections: number[];
  /** Requests per measured load where a scenario counts requests (grants, joins, views). */
  requests: number;
  /** Seconds per measured load where a scenario runs for a time (reads). */
  duration: number;
  /** Repeats of each figure; the median is reported and the spread kept. */
  repeats: number;
  quick: boolean;
}

export interface ScenarioContext {
  services: Services;
  params: RunParams;
  log(line: string): void;
  /** Starts the server (lab mode, write limits off) on the run's services, plus `env`. */
  startServer(env?: Record<string, string>): Promise<Child>;
}

export type ScenarioOutput = Omit<ScenarioResult, "scenario" | "env">;

export interface Scenario {
  name: string;
  summary: string;
  run(context: ScenarioContext): Promise<ScenarioOutput>;
}

/** Runs `measure` `repeats` times and keeps the median run (by rate), with every rate for the spread. */
export async function repeated<T extends { rps: number }>(
  repeats: number,
  measure: () => Promise<T>,
): Promise<T & { rpsRuns: number[] }> {
  const [figure] = await interleaved(repeats, [measure]);
  return figure as T & { rpsRuns: number[] };
}

/**
 * Runs each measure `repeats` times in turns (a, b, c, a, b, c, …), so a change in the shared machine's speed
 * falls on all of them alike rather than on whichever ran last; the median run of each, as `repeated`.
 */
export async function interleaved<T extends { rps: number }>(
  repeats: number,
  measures: Array<() => Promise<T>>,
): Promise<Array<T & { rpsRuns: number[] }>> {
  const runs: T[][] = measures.map(() => []);
  for (let i = 0; i < repeats; i++) {
    for (const [j, measure] of measures.entries()) runs[j]?.push(await measure());
  }
  return runs.map((all) => {
    const sorted = [...all].sort((a, b) => a.rps - b.rps);
    const median = sorted[Math.floor(sorted.length / 2)] as T;
    return { ...median, rpsRuns: all.map((run) => run.rps) };
  });
}

/** A result row with the defaults of a read (nothing counted); `ratio` from the named baseline. */
export function row(
  fields: Partial<StrategyResult> & Pick<StrategyResult, "strategy" | "rps" | "p50" | "p99" | "baseline">,
  baselines: Record<string, Figure>,
): StrategyResult {
  const base = baselines[fields.baseline];
  return {
    meantCorrect: true,
    correct: null,
    expected: null,
    final: null,
    lost: null,
    retries: null,
    refused: 0,
    durationMs: 0,
    rpsRuns: [fields.rps],
    errors: 0,
    non2xx: 0,
    label: "",
    original: null,
    ratio: base && base.rps > 0 ? Math.round((fields.rps / base.rps) * 1000) / 1000 : null,
    ...fields,
  };
}
