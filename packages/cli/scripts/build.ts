// Bundles the CLI into dist/: its own sources and the workspace packages it uses (@codechef/sdk and
// @codechef/contract ship TypeScript sources only), with the npm dependencies left to node_modules. The Ink app
// is its own chunk, loaded only by the commands that open a screen.
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
  plugins: [
    {
      name: "npm-dependencies-external",
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, ({ path }) =>
          path.startsWith("@codechef/") ? undefined : { path, external: true },
        );
      },
    },
  ],
});
