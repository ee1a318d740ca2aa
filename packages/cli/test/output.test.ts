import { describe, expect, it } from "vitest";
import { searchSummary } from "../src/commands/browse.ts";
import { Output } from "../src/output.ts";

/** A stdout that records what is written; a terminal or a pipe. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return {
    isTTY,
    rows: 40,
    written,
    write: (text: string) => written.push(text) > 0,
  } as unknown as NodeJS.WriteStream & { written: string[] };
}

describe("Output", () => {
  const rows = () => [
    [1, "Ünïcode 제목", "alice"],
    [22, "short", "bob"],
  ];

  it("prints tab-separated lines without colour when piped", () => {
    const out = stream(false);
    new Output({}, out, {}).print({ items: [] }, rows);
    expect(out.written.join("")).toBe("1\tÜnïcode 제목\talice\n22\tshort\tbob\n");
  });

  it("aligns columns in a terminal, counting wide characters twice", () => {
    const out = stream(true);
    new Output({}, out, {}).print({ items: [] }, rows);
    expect(out.written.join("")).toBe("1   Ünïcode 제목  alice\n22  short         bob\n");
  });

  it("prints exactly the JSON with --json", () => {
    const out = stream(true);
    new Output({ json: true }, out, {}).print({ items: [{ id: 1 }] }, rows);
    expect(JSON.parse(out.written.join(""))).toEqual({ items: [{ id: 1 }] });
  });

  it("colours only a terminal, and neither with NO_COLOR nor --no-color", () => {
    expect(new Output({}, stream(true), {}).style("bold", "x")).not.toBe("x");
    expect(new Output({}, stream(false), {}).style("bold", "x")).toBe("x");
    expect(new Output({}, stream(true), { NO_COLOR: "1" }).style("bold", "x")).toBe("x");
    expect(new Output({ color: false }, stream(true), {}).style("bold", "x")).toBe("x");
  });
});

describe("searchSummary", () => {
  const hits = (total: number, shown: number) => ({ items: Array(shown).fill({}), total, size: 20 });

  it("says which matches a page holds, and where more are", () => {
    expect(searchSummary("q", hits(2500, 20), 2)).toBe("Matches 21–40 of 2,500; --page 3 for more.");
    expect(searchSummary("q", hits(2500, 20), 125)).toBe("Matches 2,481–2,500 of 2,500.");
    expect(searchSummary("q", hits(7, 7), 1)).toBe("7 matches.");
    expect(searchSummary("q", hits(45, 0), 4)).toBe("Page 4 is past the end: 45 matches on 3 pages.");
    expect(searchSummary("redis", hits(0, 0), 1)).toBe('No boards match "redis".');
  });
});
