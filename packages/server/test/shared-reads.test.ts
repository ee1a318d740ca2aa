import { describe, expect, it } from "vitest";
import { SharedReads } from "../src/shared/batches.ts";

/** A load that answers what `value` holds when it starts, once `release` is called. */
function controlledSource() {
  const source = { value: 0, loads: 0, releases: [] as Array<() => void> };
  const load = () => {
    source.loads++;
    const seen = source.value;
    return new Promise<number>((resolve) => source.releases.push(() => resolve(seen)));
  };
  const releaseAll = async () => {
    while (source.releases.length > 0) {
      source.releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { source, load, releaseAll };
}

describe("SharedReads", () => {
  it("serves every read that queued behind a running load with one more load", async () => {
    const reads = new SharedReads<number>();
    const { source, load, releaseAll } = controlledSource();
    const answers = Promise.all(Array.from({ length: 5 }, () => reads.read("top", load)));
    await releaseAll();
    expect(await answers).toEqual([0, 0, 0, 0, 0]);
    expect(source.loads).toBe(2);
  });

  it("never answers a read with a load that started before it arrived", async () => {
    const reads = new SharedReads<number>();
    const { source, load, releaseAll } = controlledSource();
    const before = reads.read("top", load);
    source.value = 1; // a write commits while the first load is out
    const after = reads.read("top", load);
    await releaseAll();
    expect([await before, await after]).toEqual([0, 1]);
  });

  it("answers a deeply frozen value, so no reader can change it under another", async () => {
    const reads = new SharedReads<{ items: { id: number }[] }>();
    const value = await reads.read("top", async () => ({ items: [{ id: 1 }] }));
    expect(() => value.items.push({ id: 2 })).toThrow(TypeError);
    expect(() => {
      (value.items[0] as { id: number }).id = 2;
    }).toThrow(TypeError);
    expect(value).toEqual({ items: [{ id: 1 }] });
  });

  it("keeps keys apart and loads again after a failure", async () => {
    const reads = new SharedReads<string>();
    const failing = reads.read("a", () => Promise.reject(new Error("redis away")));
    const other = reads.read("b", async () => "b");
    await expect(failing).rejects.toThrow("redis away");
    expect(await other).toBe("b");
    expect(await reads.read("a", async () => "back")).toBe("back");
  });
});
