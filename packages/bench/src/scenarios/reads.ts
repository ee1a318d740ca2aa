import { type Figure, type HttpBaseline, httpBaseline } from "../baselines.ts";
import { measure, warmUp } from "../load.ts";
import type { StrategyResult } from "../results.ts";
import { type RunParams, repeated, row } from "../scenario.ts";
import type { Services } from "../services.ts";

export interface Read {
  strategy: string;
  path: string;
  /** Shown beside the strategy (a window, a term). */
  label?: string;
  original?: string;
}

/**
 * Each read under autocannon at every connection count, after a warm-up, with the bare baselines measured at
 * the same counts in the same run; each row is a ratio to `baseline` at its own connection count.
 */
export async function measureReads(
  base: string,
  reads: Read[],
  wanted: HttpBaseline[],
  baseline: HttpBaseline,
  params: RunParams,
  services: Services,
  /** Baselines an earlier call measured in this run; only the missing ones are measured. */
  baselines: Record<string, Figure> = {},
): Promise<{ baselines: Record<string, Figure>; results: StrategyResult[] }> {
  const results: StrategyResult[] = [];
  for (const connections of params.connections) {
    const load = { connections, duration: params.duration };
    const warmup = params.quick ? 0 : 1;
    for (const kind of wanted) {
      if (baselines[`${kind} c=${connections}`]) continue;
      baselines[`${kind} c=${connections}`] = await repeated(params.repeats, () =>
        httpBaseline(kind, services, { ...load, warmup }),
      );
    }
    for (const read of reads) {
      if (warmup) await warmUp(base + read.path, connections, warmup);
      const figure = await repeated(params.repeats, () => measure({ url: base + read.path, ...load }));
      results.push(
        row(
          {
            strategy: read.strategy,
            label: [read.label, `c=${connections}`].filter(Boolean).join(", "),
            rps: figure.rps,
            rpsRuns: figure.rpsRuns,
            p50: figure.p50,
            p99: figure.p99,
            durationMs: figure.durationMs,
            baseline: `${baseline} c=${connections}`,
            original: read.original ?? null,
          },
          baselines,
        ),
      );
    }
  }
  return { baselines, results };
}
