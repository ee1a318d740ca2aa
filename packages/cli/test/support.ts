import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const BIN = join(root, "bin", "codechef.js");

/** Builds the real binary once per test file, so the tests run what users run. */
export function buildCli(): void {
  execFileSync(process.execPath, [join(root, "scripts", "build.ts")], { stdio: "inherit" });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A terminal user's machine: its own config directory, one server. */
export class Cli {
  readonly configDir = mkdtempSync(join(tmpdir(), "codechef-cli-"));
  readonly #server: string;

  constructor(server: string) {
    this.#server = server;
  }

  spawn(args: string[], env: Record<string, string> = {}) {
    return spawn(process.execPath, [BIN, ...args], {
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

  run(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
    const child = this.spawn(args, options.env);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(options.input ?? "");
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  /** Runs and expects exit 0; answers stdout. */
  async ok(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0)
      throw new Error(`codechef ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  async json<T>(args: string[], options?: { input?: string; env?: Record<string, string> }): Promise<T> {
    return JSON.parse(await this.ok([...args, "--json"], options)) as T;
  }

  cleanup(): void {
    rmSync(this.configDir, { recursive: true, force: true });
  }
}
