import { type Figure, type HttpBaseline, httpBaseline } from "../baselines.ts";
import { type Measurement, measure, warmUp } from "../load.ts";
import type { StrategyResult } from "../results.ts";
import { interleaved, type RunParams, row } from "../scenario.ts";
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
 * the same counts in the same run, in turns with the reads; each row is a ratio to `baseline` at its own
 * connection count.
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
    const missing = wanted.filter((kind) => !baselines[`${kind} c=${connections}`]);
    // Baselines and reads take turns, so the ratio of each read to its baseline compares runs made alike.
    const figures = await interleaved(
      params.repeats,
      [
        ...missing.map((kind) => () => httpBaseline(kind, services, { ...load, warmup })),
        ...reads.map((read) => async () => {
          if (warmup) await warmUp(base + read.path, connections, warmup);
          return measure({ url: base + read.path, ...load });
        }),
      ].map((run) => async () => {
        await services.settled();
        return run();
      }),
    );
    missing.forEach((kind, i) => {
      baselines[`${kind} c=${connections}`] = figures[i] as Figure;
    });
    reads.forEach((read, i) => {
      const figure = figures[missing.length + i] as Measurement & { rpsRuns: number[] };
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
    });
  }
  return { baselines, results };
}
