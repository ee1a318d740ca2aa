import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../..", import.meta.url));
/** The machine's Node (20), not the repo's pinned one: the published packages must run there too. */
const SYSTEM_NODE = "/usr/bin/node";
const tsc = join(root, "node_modules/.bin/tsc");

/** A plain-JS consumer of the installed packages: REST, pages, typed errors and realtime chat. */
const script = `
import { CodeChef, NotFoundError, NumberedPage } from "@codechef/sdk";
import { ErrorCode } from "@codechef/contract";

const client = new CodeChef({ baseUrl: process.argv[2], realtime: { reconnectDelayMs: 100 } });
const email = "packed@example.com";
await client.auth.signup({ email, password: "packed-sdk-pass-2026", nickname: "packed", career: "WORKING" });
await client.auth.login({ email, password: "packed-sdk-pass-2026" });
for (const title of ["one", "two", "three"]) await client.boards.create({ title, contents: "from the tarball" });
const first = await client.boards.list({ size: 2 });
const titles = [];
for await (const board of client.boards.list({ size: 2 })) titles.push(board.title);
const missing = await client.boards.get(999999).catch((error) => error);
const room = await client.chat.rooms.create({ title: "packed room" });
let hear;
const heard = new Promise((resolve) => (hear = resolve));
await client.realtime.subscribeRoom(room.id, (message) => message.type === "SEND" && hear(message.content));
await client.realtime.send(room.id, { content: "over STOMP" });
const said = await heard;
await client.realtime.disconnect();
console.log(JSON.stringify({
  node: process.version,
  page: first instanceof NumberedPage && { total: first.total, next: first.hasNextPage() },
  titles,
  missing: missing instanceof NotFoundError && { status: missing.status, code: missing.code },
  knownCode: ErrorCode.options.includes(missing.code),
  said,
}));
`;

/** A TypeScript consumer: entity types, the error-code union, page types and call shapes. */
const consumer = `
import { type Board, type BoardSummary, CodeChef, type ErrorCode, NotFoundError, type NumberedPage } from "@codechef/sdk";

const client = new CodeChef({ baseUrl: "http://localhost:8080", realtime: { connectionTimeoutMs: 5000 } });

export async function main(): Promise<string[]> {
  const board: Board = await client.boards.create({ title: "t", contents: "c" }, { idempotencyKey: "k", timeoutMs: 5000 });
  await client.comments.create(board.id, { contents: "first" }, { maxRetries: 0 });
  const page: NumberedPage<BoardSummary> = await client.boards.list({ size: 5 });
  const next = page.hasNextPage() ? await page.getNextPage() : page;
  const titles: string[] = next.items.map((b) => b.title);
  for await (const summary of client.boards.list()) titles.push(summary.title);
  try {
    await client.boards.get(board.id);
  } catch (error) {
    if (error instanceof NotFoundError) {
      const code: ErrorCode | (string & {}) = error.code;
      titles.push(code, String(error.status));
    }
  }
  const { messages } = await client.chat.rooms.join(1);
  await client.realtime.subscribeRoom(1, (message) => titles.push(message.content), { after: messages.at(-1)?.seq });
  await client.realtime.send(1, { content: "hi" });
  return titles;
}
`;

/** What a browser app imports: the REST client (and `client.realtime`, on the platform's WebSocket). */
const browserEntry = `
import { CodeChef } from "@codechef/sdk";
const client = new CodeChef({ baseUrl: "https://api.example.com" });
export const boards = () => client.boards.list();
export const live = () => client.realtime.connect();
`;

describe("the SDK as published", () => {
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "codechef-sdk-package-"));
    const { stdout } = await run(
      "npm",
      ["pack", "--json", "--pack-destination", dir, "-w", "packages/contract", "-w", "packages/sdk"],
      { cwd: root },
    );
    const tarballs = (JSON.parse(stdout) as Array<{ filename: string }>).map((p) => join(dir, p.filename));
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    await run("npm", ["install", "--no-audit", "--no-fund", ...tarballs], { cwd: dir });
    server = await startTestServer("embedded");
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs as plain JavaScript on the system Node against a server", async () => {
    writeFileSync(join(dir, "script.mjs"), script);
    const { stdout } = await run(SYSTEM_NODE, ["script.mjs", server.url], { cwd: dir, timeout: 60_000 });
    const result = JSON.parse(stdout);
    expect(result.node).toMatch(/^v20\./);
    expect(result).toMatchObject({
      page: { total: 3, next: true },
      titles: ["three", "two", "one"],
      missing: { status: 404, code: "NOT_FOUND" },
      knownCode: true,
      said: "over STOMP",
    });
  });

  it("type-checks a TypeScript consumer with the defaults of `tsc --init`", async () => {
    writeFileSync(join(dir, "consumer.ts"), consumer);
    await run(tsc, ["--init"], { cwd: dir });
    const checked = await run(tsc, ["-p", ".", "--noEmit"], { cwd: dir }).catch((error) => error);
    expect(checked.stdout).toBe("");
    expect(checked.code ?? 0).toBe(0);
  });

  it("bundles for the browser without Node built-ins and without the Node WebSocket", async () => {
    writeFileSync(join(dir, "browser.js"), browserEntry);
    const result = await build({
      entryPoints: ["browser.js"],
      absWorkingDir: dir,
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("node_modules/@codechef/sdk/dist/index.js");
    expect(inputs.filter((path) => path.startsWith("node_modules/ws/"))).toEqual([
      "node_modules/ws/browser.js",
    ]);
  });
});
