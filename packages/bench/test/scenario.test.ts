import { describe, expect, it } from "vitest";
import { interleaved } from "../src/scenario.ts";

describe("interleaved", () => {
  it("runs the measures in turns and keeps each one's median run with every rate", async () => {
    const order: string[] = [];
    const rates = { base: [30, 10, 20], ours: [3, 1, 2] };
    const measureOf = (name: keyof typeof rates) => async () => {
      order.push(name);
      return { rps: rates[name].shift() as number, name };
    };
    const [base, ours] = await interleaved(3, [measureOf("base"), measureOf("ours")]);
    expect(order).toEqual(["base", "ours", "base", "ours", "base", "ours"]);
    expect(base).toEqual({ rps: 20, name: "base", rpsRuns: [30, 10, 20] });
    expect(ours).toEqual({ rps: 2, name: "ours", rpsRuns: [3, 1, 2] });
  });
});
