import { describe, expect, it } from "vitest";
import { carryForward } from "../src/modules/review/anchors.ts";
import { languageOf } from "../src/modules/review/languages.ts";

const lines = (...names: string[]) => names.map((name) => `${name}\n`).join("");
const base = lines("a", "b", "c", "d", "e", "f");
/** Lines 3–4 (`c`, `d`) of `base`. */
const range = { startLine: 3, endLine: 4 };

describe("carrying a line range into the next revision", () => {
  it.each([
    ["nothing changed", base, { startLine: 3, endLine: 4 }],
    [
      "two lines inserted at the top",
      lines("x", "y", "a", "b", "c", "d", "e", "f"),
      { startLine: 5, endLine: 6 },
    ],
    ["a line inserted just above", lines("a", "b", "x", "c", "d", "e", "f"), { startLine: 4, endLine: 5 }],
    ["a line inserted just below", lines("a", "b", "c", "d", "x", "e", "f"), { startLine: 3, endLine: 4 }],
    ["a line removed above", lines("a", "c", "d", "e", "f"), { startLine: 2, endLine: 3 }],
    ["the line above edited", lines("a", "B", "c", "d", "e", "f"), { startLine: 3, endLine: 4 }],
    ["lines appended", `${base}g\n`, { startLine: 3, endLine: 4 }],
  ])("moves with the lines when %s", (_, after, expected) => {
    expect(carryForward(base, after, range)).toEqual(expected);
  });

  it.each([
    ["its first line edited", lines("a", "b", "C", "d", "e", "f")],
    ["its last line edited", lines("a", "b", "c", "D", "e", "f")],
    ["its last line removed", lines("a", "b", "c", "e", "f")],
    ["a line inserted between its lines", lines("a", "b", "c", "x", "d", "e", "f")],
    ["everything removed", ""],
  ])("is outdated by %s", (_, after) => {
    expect(carryForward(base, after, range)).toBeNull();
  });

  it("treats a lost final newline as a change of the last line only", () => {
    expect(carryForward(base, base.slice(0, -1), range)).toEqual(range);
    expect(carryForward(base, base.slice(0, -1), { startLine: 6, endLine: 6 })).toBeNull();
  });
});

describe("a file's language", () => {
  it.each([
    ["src/App.tsx", "typescript"],
    ["main.py", "python"],
    ["db/Lock.SQL", "sql"],
    ["Dockerfile", "dockerfile"],
    [".gitignore", "text"],
    ["notes", "text"],
  ])("of %s is %s", (path, language) => {
    expect(languageOf(path)).toBe(language);
  });
});
