// Bundles the CLI into dist/ with the workspace packages it uses (@codechef/sdk and @codechef/contract ship
// TypeScript sources only) and their dependencies: one file loads faster than zod's hundreds. The screens' packages
// (Ink, React) stay in node_modules; the Ink app and the SDK are chunks of their own, loaded when a command needs them.
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url);
const { version } = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string };

rmSync(new URL("dist", root), { recursive: true, force: true });

await build({
  absWorkingDir: root.pathname,
  entryPoints: { codechef: "src/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node24",
  jsx: "automatic",
  conditions: ["@codechef/source"],
  define: { CODECHEF_VERSION: JSON.stringify(version) },
  sourcemap: "linked",
  logLevel: "warning",
  external: ["ink", "ink-text-input", "react", "react/*", "cli-highlight", "bufferutil", "utf-8-validate"],
  // CommonJS dependencies (ws, commander) require Node's built-ins.
  banner: {
    js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
  },
});
