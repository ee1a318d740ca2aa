import { spawn } from "node:child_process";
import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

/** How this run prints: `--json`, colour (TTY, no `NO_COLOR`, no `--no-color`) and whether stdout is a terminal. */
export class Output {
  readonly json: boolean;
  readonly color: boolean;
  readonly tty: boolean;
  readonly #stdout: NodeJS.WriteStream;

  constructor(
    options: { json?: boolean; color?: boolean },
    stdout: NodeJS.WriteStream = process.stdout,
    env = process.env,
  ) {
    this.json = options.json ?? false;
    this.tty = stdout.isTTY === true;
    this.color = this.tty && options.color !== false && !env.NO_COLOR && env.TERM !== "dumb";
    this.#stdout = stdout;
  }

  style(format: Style, text: string): string {
    return this.color ? styleText(format, text, { validateStream: false }) : text;
  }

  write(text: string): void {
    this.#stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** The API's JSON with `--json`; otherwise rows: aligned in a terminal, tab-separated when piped. */
  print(value: unknown, rows: () => (string | number)[][]): void {
    if (this.json) {
      if (value !== undefined) this.write(JSON.stringify(value, null, 2));
      return;
    }
    const table = rows().map((row) => row.map((cell) => String(cell).replace(/[\t\n]/g, " ")));
    if (table.length === 0) return;
    this.write(this.tty ? align(table).join("\n") : table.map((row) => row.join("\t")).join("\n"));
  }

  /** A confirmation for people (stderr), e.g. "Created board 12"; silent with `--json`. */
  done(message: string): void {
    if (!this.json) process.stderr.write(`${this.tty ? this.style("green", "✓ ") : ""}${message}\n`);
  }

  /** A remark for people (stderr, dimmed), such as how many matches there are; silent with `--json`. */
  note(message: string): void {
    if (!this.json) process.stderr.write(`${this.tty ? this.style("dim", message) : message}\n`);
  }

  /** Long text through `$PAGER` (default `less -R`) when it does not fit the terminal. */
  async page(text: string): Promise<void> {
    const rows = this.#stdout.rows ?? 0;
    if (!this.tty || text.split("\n").length < rows) return this.write(text);
    const pager = process.env.PAGER || "less -R";
    const child = spawn(pager, {
      shell: true,
      stdio: ["pipe", "inherit", "inherit"],
      env: { LESS: "FRX", ...process.env },
    });
    child.stdin.on("error", () => {});
    child.stdin.end(text);
    await new Promise((resolve) => child.on("close", resolve));
  }
}

function align(table: string[][]): string[] {
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((row) => width(row[column] ?? "")))) ?? [];
  return table.map((row) =>
    row
      .map((cell, column) =>
        column === row.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - width(cell)),
      )
      .join("  ")
      .trimEnd(),
  );
}

/** Display width: East Asian wide characters take two columns. */
function width(text: string): number {
  let columns = 0;
  for (const char of text)
    columns += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6]/u.test(char)
      ? 2
      : 1;
  return columns;
}

export const date = (iso: string) => iso.slice(0, 16).replace("T", " ");

export const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
