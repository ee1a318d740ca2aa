import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const cli = join(import.meta.dirname, "../src/cli.ts");
const services = { BENCH_MYSQL_URL: process.env.TEST_MYSQL_URL, BENCH_REDIS_URL: process.env.TEST_REDIS_URL };
const run = services.BENCH_MYSQL_URL && services.BENCH_REDIS_URL ? describe : describe.skip;
if (run === describe.skip)
  console.warn("\n!!! bench failure suite SKIPPED: TEST_MYSQL_URL and TEST_REDIS_URL not set\n");

/** The command lines of a process's children. */
function children(pid: number): { pid: number; args: string }[] {
  try {
    return execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(pid)], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [id = "", ...args] = line.trim().split(/\s+/);
        return { pid: Number(id), args: args.join(" ") };
      });
  } catch {
    return [];
  }
}

run("a run whose server dies", () => {
  it("exits 1 naming the dead server instead of reporting a figure", { timeout: 120_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "bench-failure-"));
    // views: the server starts, a baseline server comes and goes, then 100,000 counted views begin.
    const bench = spawn(
      process.execPath,
      [
        "--conditions=@codechef/source",
        cli,
        "run",
        "views",
        "--quick",
        "--requests",
        "100000",
        "--services",
        "env",
        "--out",
        out,
      ],
      { env: { ...process.env, ...services }, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    bench.stderr.on("data", (chunk: Buffer) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => bench.once("exit", resolve));

    let server: number | undefined;
    let baselineSeen = false;
    for (;;) {
      const running = children(bench.pid as number);
      server ??= running.find((child) => child.args.includes("server/src/main.ts"))?.pid;
      const baseline = running.some((child) => child.args.includes("baseline-server.ts"));
      if (baseline) baselineSeen = true;
      if (server && baselineSeen && !baseline) break;
      if (bench.exitCode !== null) throw new Error(`the bench ended before the load began:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    process.kill(server, "SIGKILL");

    expect(await exited).toBe(1);
    expect(stderr).toContain("views: the server under test died mid-run (SIGKILL)");
    expect(stderr).not.toContain("report:");
  });
});
