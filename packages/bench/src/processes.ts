import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { cpus } from "node:os";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Placement: on two or more cores, the measured process gets core 0 and this process (autocannon) core 1, as
 * fastify/benchmarks does; where `taskset` is missing or refused, nothing is pinned and the results say so.
 */
export const pinning = (() => {
  if (cpus().length < 2) return { pinned: false, serverCore: undefined };
  try {
    execFileSync("taskset", ["-a", "-cp", "1", String(process.pid)], { stdio: "ignore" });
    return { pinned: true, serverCore: "0" };
  } catch {
    return { pinned: false, serverCore: undefined };
  }
})();

/** Every child still running, so an interrupted bench does not leave servers behind it. */
const running = new Set<ChildProcess>();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill("SIGKILL");
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

export interface Child {
  url: string;
  process: ChildProcess;
  /** How the process ended when nobody stopped it (`exit 1`, `SIGKILL`), else undefined. */
  died(): string | undefined;
  stop(): Promise<void>;
}

/** Starts `node args…` (pinned), waits until `readyPath` answers 200, and fails loudly if it exits first. */
export async function startNode(
  name: string,
  args: string[],
  env: Record<string, string>,
  readyPath = "/ready",
): Promise<Child> {
  const port = await freePort();
  const command = pinning.serverCore ? "taskset" : process.execPath;
  const commandArgs = pinning.serverCore ? ["-c", pinning.serverCore, process.execPath, ...args] : args;
  const output: string[] = [];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      output.push(String(chunk));
      if (output.length > 50) output.shift();
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  let stopping = false;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited())
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output.join("")}`);
    const ready = await fetch(url + readyPath).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`${name} was not ready within 120 s:\n${output.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    process: child,
    died: () =>
      exited() && !stopping ? (child.signalCode ? child.signalCode : `exit ${child.exitCode}`) : undefined,
    stop: () =>
      new Promise((resolve) => {
        stopping = true;
        if (exited()) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
