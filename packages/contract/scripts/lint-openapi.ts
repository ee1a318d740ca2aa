import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openApiDocument } from "@codechef/contract";

/** Writes the generated OpenAPI document to a temporary file and lints it with Redocly (any error fails). */
const dir = mkdtempSync(join(tmpdir(), "codechef-openapi-"));
const file = join(dir, "openapi.json");
try {
  writeFileSync(file, JSON.stringify(openApiDocument("0.0.0"), null, 2));
  execFileSync("redocly", ["lint", file, "--format=codeframe"], { stdio: "inherit" });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
