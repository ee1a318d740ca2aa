#!/usr/bin/env -S node --conditions=@codechef/source
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { compare } from "./compare.ts";
import { BenchFailure } from "./load.ts";
import { type Child, pinning, startNode } from "./processes.ts";
import { topSelfTime } from "./profile.ts";
import { writeReport } from "./report.ts";
import { environment, type ScenarioResult } from "./results.ts";
import type { RunParams, ScenarioContext } from "./scenario.ts";
import { scenarios } from "./scenarios/index.ts";
import { provision, type ServicesMode } from "./services.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);
const serverMain = join(import.meta.dirname, "../../server/src/main.ts");

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) === 0) throw new InvalidArgumentError("a positive whole number");
  return Number(value);
}

function connectionList(value: string): number[] {
  return value.split(",").map((part) => positiveInt(part.trim()));
}

async function run(
  which: string,
  options: {
    connections?: number[];
    requests?: number;
    duration?: number;
    services: ServicesMode;
    out: string;
    quick: boolean;
    repeats?: number;
    profile: boolean;
  },
): Promise<void> {
  const chosen = which === "all" ? scenarios : scenarios.filter((s) => s.name === which);
  if (chosen.length === 0) {
    throw new InvalidArgumentError(
      `unknown scenario ${which}; one of: all, ${scenarios.map((s) => s.name).join(", ")}`,
    );
  }
  const params: RunParams = {
    connections: options.connections ?? (options.quick ? [10] : [10, 100]),
    requests: options.requests ?? (options.quick ? 200 : 1000),
    duration: options.duration ?? (options.quick ? 1 : 10),
    repeats: options.repeats ?? (options.quick ? 1 : 3),
    quick: options.quick,
  };
  mkdirSync(options.out, { recursive: true });
  const profiles = (scenario: string) => join(options.out, ".profiles", scenario);
  log(
    `codechef-bench: ${chosen.map((s) => s.name).join(", ")}; ${pinning.pinned ? "server on core 0, load on core 1" : "not pinned (taskset unavailable)"}`,
  );
  const provisioned = await provision(options.services, log);
  try {
    for (const scenario of chosen) {
      log(`\n== ${scenario.name}: ${scenario.summary}`);
      rmSync(profiles(scenario.name), { recursive: true, force: true });
      const services = await provisioned.isolate();
      const started: Child[] = [];
      const context: ScenarioContext = {
        services,
        params,
        log,
        async startServer(env = {}) {
          const profiling = options.profile
            ? ["--cpu-prof", `--cpu-prof-dir=${profiles(scenario.name)}`]
            : [];
          const server = await startNode(
            "server",
            [...profiling, "--conditions=@codechef/source", serverMain],
            {
              DATABASE_URL: services.mysqlUrl,
              REDIS_URL: services.redisUrl,
              KEY_PREFIX: services.keyPrefix,
              JWT_SECRET: "bench-secret-bench-secret-bench-secret!",
              CODECHEF_LAB: "1",
              RATE_LIMITS: "off",
              LOG_LEVEL: "warn",
              NODE_ENV: "production",
              DATA_DIR: join(options.out, ".data"),
              ...env,
            },
          );
          started.push(server);
          return server;
        },
      };
      try {
        const output = await scenario.run(context).catch((error: unknown) => {
          const dead = started.find((server) => server.died());
          if (!dead) throw error;
          throw new BenchFailure(
            `${scenario.name}: the server under test died mid-run (${dead.died()}); ${error instanceof Error ? error.message : String(error)}`,
          );
        });
        const result: ScenarioResult = {
          scenario: scenario.name,
          env: environment(
            services.source === "env"
              ? `env (${new URL(services.mysqlUrl).host} MariaDB, Redis, RabbitMQ)`
              : "testcontainers",
            pinning.pinned,
          ),
          ...output,
        };
        const wrong = result.results.filter((r) => r.meantCorrect && r.correct === false);
        writeFileSync(join(options.out, `${scenario.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
        if (wrong.length > 0) {
          throw new BenchFailure(
            `${scenario.name}: ${wrong.map((r) => `${r.strategy} expected ${r.expected}, got ${r.final}`).join("; ")}`,
          );
        }
        for (const r of result.results) {
          log(
            `${r.strategy.padEnd(20)} ${r.label.padEnd(18)} ${String(r.rps).padStart(7)}/s  p50 ${r.p50} p99 ${r.p99} ms${r.correct === null ? "" : r.correct ? "  correct" : `  WRONG ${r.final}/${r.expected}`}`,
          );
        }
      } finally {
        for (const server of started) await server.stop();
        await services.release();
      }
      if (options.profile) {
        const summary = topSelfTime(profiles(scenario.name));
        writeFileSync(join(options.out, `${scenario.name}.profile.txt`), `${summary}\n`);
        log(summary);
      }
    }
    log(`\nreport: ${await writeReport(options.out)}`);
  } finally {
    await provisioned.stop();
  }
}

const program = new Command()
  .name("codechef-bench")
  .description(
    "The original project's experiments on real services, beside our own strategies and bare baselines",
  );

program
  .command("run")
  .description("run a scenario (or all) and write DIR/<scenario>.json, DIR/report.md and charts")
  .argument("<scenario>", `all, or one of: ${scenarios.map((s) => s.name).join(", ")}`)
  .option("--connections <list>", "concurrent connections, comma-separated (default 10,100)", connectionList)
  .option("--requests <n>", "requests per counted load (grants, joins, views)", positiveInt)
  .option("--duration <s>", "seconds per timed load (reads)", positiveInt)
  .option("--repeats <n>", "repeats of each figure; the median is reported", positiveInt)
  .addOption(
    new Option("--services <mode>", "where MariaDB, Redis and RabbitMQ come from")
      .choices(["auto", "testcontainers", "env"] as const)
      .default("auto" as const),
  )
  .option("--out <dir>", "where results go", "bench-results")
  .option("--quick", "small sizes, a few seconds per scenario (CI)", false)
  .option("--profile", "run the servers under test with --cpu-prof; writes DIR/<scenario>.profile.txt", false)
  .action(async (scenario, options) => run(scenario, options));

program
  .command("compare")
  .description("per-figure ratios between two runs of one scenario, marking changes beyond the runs' spread")
  .argument("<a>", "the earlier result (JSON)")
  .argument("<b>", "the later result (JSON)")
  .action((a, b) => {
    process.stdout.write(`${compare(a, b)}\n`);
  });

program
  .command("report")
  .description("write DIR/report.md and a chart per scenario (SVG and PNG) from DIR's results")
  .argument("<dir>", "a directory of results")
  .action(async (dir) => {
    process.stdout.write(`${await writeReport(dir)}\n`);
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof InvalidArgumentError) {
    log(`codechef-bench: ${error.message}`);
    process.exitCode = 2;
  } else {
    log(
      `codechef-bench: ${error instanceof BenchFailure ? error.message : ((error as Error).stack ?? String(error))}`,
    );
    process.exitCode = 1;
  }
}
