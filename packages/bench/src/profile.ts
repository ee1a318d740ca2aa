import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const root = join(import.meta.dirname, "../../..");

/** Where a sampled function lives: a path in the repo or a package, else the V8 or Node internal it is. */
function placeOf({ functionName, url, lineNumber }: CpuProfile["nodes"][number]["callFrame"]): string {
  const file = url.startsWith("file://") ? relative(root, new URL(url).pathname) : url;
  const name = functionName || "(anonymous)";
  return file ? `${name} ${file.replace(/^(.*\/)?node_modules\//, "")}:${lineNumber + 1}` : name;
}

/**
 * The functions that took the most CPU themselves across the `.cpuprofile` files in `dir` (the servers of one
 * scenario), as a share of the non-idle time.
 */
export function topSelfTime(dir: string, top = 25): string {
  const self = new Map<string, number>();
  let busy = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const places = new Map(profile.nodes.map((node) => [node.id, placeOf(node.callFrame)]));
    profile.samples.forEach((id, i) => {
      const place = places.get(id) ?? "?";
      if (place === "(idle)") return;
      const micros = profile.timeDeltas[i] ?? 0;
      busy += micros;
      self.set(place, (self.get(place) ?? 0) + micros);
    });
  }
  const lines = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([place, micros]) => `${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${place}`);
  return [`non-idle CPU ${(busy / 1e6).toFixed(1)} s, top self time:`, ...lines].join("\n");
}
