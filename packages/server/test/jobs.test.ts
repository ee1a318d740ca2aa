import { describe, expect, it } from "vitest";
import { JobRunner } from "../src/jobs.ts";
import { jsonLogger } from "../src/logger.ts";

describe("job runner", () => {
  it("runs passes one after the other, each with its own time, and keeps going past a failing job", async () => {
    const seen: string[] = [];
    const runner = new JobRunner(
      [
        {
          name: "first",
          run: async (now) => {
            seen.push(`first ${now}`);
            await new Promise((resolve) => setTimeout(resolve, 5));
            if (now === 1) throw new Error("boom");
          },
        },
        { name: "second", run: async (now) => void seen.push(`second ${now}`) },
      ],
      jsonLogger("silent"),
      0,
    );
    await Promise.all([runner.runDueJobs(1), runner.runDueJobs(2)]);
    expect(seen).toEqual(["first 1", "second 1", "first 2", "second 2"]);
    await runner.stop();
    await runner.runDueJobs(3);
    expect(seen).toHaveLength(4);
  });
});
