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

  run(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: this.configDir,
        CODECHEF_CONFIG_DIR: this.configDir,
        CODECHEF_SERVER: this.#server,
        ...options.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
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
