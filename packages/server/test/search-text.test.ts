import { describe, expect, it } from "vitest";
import { queryTerms, SNIPPET_WINDOW, snippet } from "../src/shared/search-text.ts";

describe("search text", () => {
  it("splits a query into distinct folded terms", () => {
    expect(queryTerms("  비관적   락 LOCK lock ")).toEqual(["비관적", "락", "lock"]);
    expect(queryTerms("   ")).toEqual([]);
  });

  it("cuts a window around the first match, marks every match and escapes HTML", () => {
    const text = `${"앞".repeat(300)} <b>리뷰</b> 요청 리뷰 ${"뒤".repeat(300)}`;
    const result = snippet(text, ["리뷰"]);
    expect(result.startsWith("…")).toBe(true);
    expect(result.endsWith("…")).toBe(true);
    expect(result).toContain("&#60;b&#62;<mark>리뷰</mark>&#60;/b&#62; 요청 <mark>리뷰</mark>");
    const visible = result.replace(/<\/?mark>/g, "").replace(/&#\d+;/g, "x");
    expect(visible.length).toBeLessThanOrEqual(SNIPPET_WINDOW + 2);
  });

  it("starts at the beginning without a match and marks case-insensitively", () => {
    expect(snippet("Pessimistic LOCKING", ["locking"])).toBe("Pessimistic <mark>LOCKING</mark>");
    expect(snippet("short text", ["absent"])).toBe("short text");
  });
});
