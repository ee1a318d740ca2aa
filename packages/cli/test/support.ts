import { execFileSync, spawn } from "node:child_process";
import { globSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lock } from "proper-lockfile";

const root = fileURLToPath(new URL("..", import.meta.url));
export const BIN = join(root, "bin", "codechef.js");

const SOURCES = [
  "packages/cli/src/**",
  "packages/cli/scripts/**",
  "packages/sdk/src/**",
  "packages/contract/src/**",
];

/**
 * Builds the real binary the tests run, unless it is newer than every source. Test files run in parallel, so
 * the build is under a lock: a second file waits and then finds it fresh instead of rebuilding under the first.
 */
export async function buildCli(): Promise<void> {
  const release = await lock(root, {
    lockfilePath: join(root, ".build.lock"),
    retries: { retries: 200, minTimeout: 50, maxTimeout: 200 },
  });
  try {
    const built = statSync(join(root, "dist", "codechef.js"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const repo = join(root, "..", "..");
    const newest = Math.max(
      ...globSync(SOURCES, { cwd: repo }).map((file) => statSync(join(repo, file)).mtimeMs),
    );
    if (built > newest) return;
    execFileSync(process.execPath, [join(root, "scripts", "build.ts")], { stdio: "inherit" });
  } finally {
    await release();
  }
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  /** The working directory (default: the test's). */
  cwd?: string;
}

/** A terminal user's machine: its own config directory, one server. */
export class Cli {
  readonly configDir = mkdtempSync(join(tmpdir(), "codechef-cli-"));
  readonly #server: string;

  constructor(server: string) {
    this.#server = server;
  }

  spawn(args: string[], env: Record<string, string> = {}, cwd?: string) {
    return spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: this.configDir,
        CODECHEF_CONFIG_DIR: this.configDir,
        CODECHEF_SERVER: this.#server,
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
  }

  /** A long-running command (`--follow`): what it printed so far, and a Ctrl+C that answers the exit code. */
  follow(args: string[]) {
    const child = this.spawn(args);
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    return {
      output: () => output,
      interrupt: () => {
        child.kill("SIGINT");
        return closed;
      },
    };
  }

  run(args: string[], options: RunOptions = {}): Promise<Run> {
    const child = this.spawn(args, options.env, options.cwd);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(options.input ?? "");
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  /** Runs and expects exit 0; answers stdout. */
  async ok(args: string[], options?: RunOptions): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0)
      throw new Error(`codechef ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  async json<T>(args: string[], options?: RunOptions): Promise<T> {
    return JSON.parse(await this.ok([...args, "--json"], options)) as T;
  }

  cleanup(): void {
    rmSync(this.configDir, { recursive: true, force: true });
  }
}
