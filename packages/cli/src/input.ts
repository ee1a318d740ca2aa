import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, extname, isAbsolute, join, normalize, sep } from "node:path";
import { UsageError } from "./errors.ts";

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The password: from stdin with `--password-stdin`, else typed hidden at the terminal. */
export async function readPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return (await readStdin()).replace(/\r?\n$/, "");
  if (!process.stdin.isTTY)
    throw new UsageError("no terminal to type the password in: pass --password-stdin");
  const { read } = await import("read");
  const password = await read({ prompt: "Password: ", silent: true, output: process.stderr });
  process.stderr.write("\n");
  return password;
}

/** `--body TEXT`, `--body-file PATH|-`, else `$VISUAL`/`$EDITOR` in a terminal. */
export async function readBody(
  options: { body?: string; bodyFile?: string },
  what: string,
  initial = "",
): Promise<string> {
  if (options.body !== undefined) return options.body;
  if (options.bodyFile === "-") return readStdin();
  if (options.bodyFile !== undefined) return readFile(options.bodyFile);
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError(`no ${what} given: pass --body TEXT or --body-file PATH (- for stdin)`);
  const text = edit(initial);
  if (!text.trim()) throw new UsageError(`empty ${what}: nothing was sent`);
  return text;
}

/** A local file for a board: its path as given (relative, `/`-separated), or its name when outside this directory. */
export function boardFile(path: string): { path: string; content: string } {
  const relative = normalize(path).split(sep).join("/");
  const outside = isAbsolute(path) || relative === ".." || relative.startsWith("../");
  return { path: outside ? basename(path) : relative, content: readFile(path) };
}

export function readFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
}

/** Opens `$VISUAL`, `$EDITOR` or vi on a temporary file and answers what was saved. */
export function edit(initial: string, name = "BODY.md"): string {
  const dir = mkdtempSync(join(tmpdir(), "codechef-"));
  const file = join(dir, name);
  try {
    writeFileSync(file, initial);
    const editor = process.env.VISUAL || process.env.EDITOR || "vi";
    const result = spawnSync(`${editor} "${file}"`, { shell: true, stdio: "inherit" });
    if (result.status !== 0) throw new UsageError(`the editor (${editor}) exited with ${result.status}`);
    return readFileSync(file, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const LANGUAGES: Record<string, string> = {
  ".ts": "typescript",
  ".tsx": "tsx",
  ".js": "javascript",
  ".jsx": "jsx",
  ".mjs": "javascript",
  ".py": "python",
  ".java": "java",
  ".kt": "kotlin",
  ".go": "go",
  ".rs": "rust",
  ".rb": "ruby",
  ".c": "c",
  ".h": "c",
  ".cpp": "cpp",
  ".cc": "cpp",
  ".cs": "csharp",
  ".php": "php",
  ".swift": "swift",
  ".sh": "bash",
  ".sql": "sql",
  ".html": "html",
  ".css": "css",
  ".json": "json",
  ".yml": "yaml",
  ".yaml": "yaml",
  ".md": "markdown",
  ".scala": "scala",
  ".dart": "dart",
  ".lua": "lua",
  ".ex": "elixir",
  ".hs": "haskell",
};

/** A file as a fenced code block; the language from `--lang` or the file's extension. */
export function codeBlock(path: string, language?: string): string {
  const code = readFile(path).replace(/\n$/, "");
  const fence = code.includes("```") ? "````" : "```";
  const lang = language ?? LANGUAGES[extname(path).toLowerCase()] ?? extname(path).slice(1);
  return `${fence}${lang}\n${code}\n${fence}`;
}
