import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import type { Figure } from "./baselines.ts";

/** One strategy's figures in a scenario. Correctness columns are `null` where a strategy counts nothing. */
export interface StrategyResult {
  strategy: string;
  /** Meant to be correct (every production strategy); a wrong total then fails the run. */
  meantCorrect: boolean;
  correct: boolean | null;
  expected: number | null;
  final: number | null;
  lost: number | null;
  retries: number | null;
  /** Requests answered with an expected refusal (409 EVENT_FULL), counted apart from failures. */
  refused: number;
  durationMs: number;
  /** The median of the repeats below. */
  rps: number;
  /** Requests per second of each repeat: the spread `compare` judges a change against. */
  rpsRuns: number[];
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The parameters that set this row apart (connections, subscribers, term). */
  label: string;
  /** The baseline this row is a ratio to. */
  baseline: string;
  ratio: number | null;
  /** The original project's figure for the same experiment, where it had one. */
  original: string | null;
}

export interface ScenarioResult {
  scenario: string;
  env: { node: string; cpu: string; cores: number; commit: string; services: string; pinned: boolean };
  params: Record<string, unknown>;
  baselines: Record<string, Figure>;
  results: StrategyResult[];
  seed: { figure: number; unit: string } | null;
  /** One sentence per finding: why the figures are what they are. */
  notes: string[];
}

export function environment(services: string, pinned: boolean): ScenarioResult["env"] {
  let commit = "unknown";
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: import.meta.dirname,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    commit = git("rev-parse", "--short", "HEAD");
    if (git("status", "--porcelain", "--untracked-files=no") !== "") commit += "+changes";
  } catch {}
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    commit,
    services,
    pinned,
  };
}
