import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.ts";
import { buildCli, Cli, type Run, type RunOptions } from "./support.ts";

const PASSWORD = "correct horse battery";
const PNG = fileURLToPath(new URL("fixtures/red.png", import.meta.url));

const TRANSFER = `class Bank {
    fun transfer(from: Account, to: Account, amount: Long) {
        synchronized(from) {
            synchronized(to) {
                from.balance -= amount
                to.balance += amount
            }
        }
    }
}
`;
const ORDERED = `        val (first, second) = if (from.id < to.id) from to to else to to from
        synchronized(first) {
            synchronized(second) {
`;

type Thread = {
  id: number;
  path: string;
  state: string;
  comments: { id: number; suggestion: string | null }[];
};

describe("codechef images, events, subscriptions and code review against a real server", () => {
  let server: TestServer;
  let alice: Cli;
  let bob: Cli;
  let admin: Cli;
  let workdir: string;
  const runs: Run[] = [];
  const run = async (cli: Cli, args: string[], options?: RunOptions) => {
    const result = await cli.run(args, options);
    runs.push(result);
    return result;
  };
  const balance = async (cli: Cli) => Number((await cli.ok(["points"])).split("\n")[0]?.split("\t")[1]);

  beforeAll(async () => {
    await buildCli();
    server = await startTestServer("embedded", {
      ADMIN_EMAIL: "admin@example.com",
      ADMIN_PASSWORD: PASSWORD,
    });
    alice = new Cli(server.url);
    bob = new Cli(server.url);
    admin = new Cli(server.url);
    for (const [cli, nickname, career] of [
      [alice, "alice", "ASPIRING"],
      [bob, "bob", "WORKING"],
    ] as const) {
      await cli.ok(
        [
          "auth",
          "signup",
          "--email",
          `${nickname}@example.com`,
          "--nickname",
          nickname,
          "--career",
          career,
          "--password-stdin",
        ],
        { input: PASSWORD },
      );
    }
    await admin.ok(["auth", "login", "--email", "admin@example.com", "--password-stdin"], {
      input: PASSWORD,
    });
    workdir = join(alice.configDir, "project");
    mkdirSync(join(workdir, "src"), { recursive: true });
    writeFileSync(join(workdir, "src", "Transfer.kt"), TRANSFER);
    writeFileSync(
      join(workdir, "src", "Account.kt"),
      "data class Account(val id: Long, var balance: Long)\n",
    );
    writeFileSync(join(workdir, "notes.png"), "<?php echo 'not an image'; ?>");
  });

  afterAll(async () => {
    await server?.stop();
    for (const cli of [alice, bob, admin]) cli?.cleanup();
  });

  it("attaches a PNG to a board and lists it with its URL; refuses others' boards and files that are no image", async () => {
    // Given alice's board
    const board = await alice.json<{ id: number }>([
      "board",
      "create",
      "--title",
      "A screenshot",
      "--body",
      "See",
    ]);

    // When she attaches a real PNG (piped, so no progress line)
    const attach = await run(alice, ["board", "attach", String(board.id), PNG, "--json"]);

    // Then the API's list comes back, the image is served where board view says
    expect(attach.code).toBe(0);
    expect(attach.stderr).toBe("");
    const { items } = JSON.parse(attach.stdout) as {
      items: { name: string; contentType: string; url: string }[];
    };
    expect(items).toMatchObject([{ name: "red.png", contentType: "image/png", width: 8, height: 8 }]);
    const url = new URL(items[0]?.url ?? "", server.url).href;
    const view = await alice.ok(["board", "view", String(board.id)]);
    expect(view).toContain(`Images\n  red.png  8×8 · 1 KiB  ${url}`);
    const served = await fetch(url);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");

    // When bob attaches to it, or alice attaches a PHP file named .png, Then each is refused with its code
    const forbidden = await run(bob, ["board", "attach", String(board.id), PNG]);
    expect(forbidden).toMatchObject({ code: 1, stdout: "" });
    expect(forbidden.stderr).toContain("error: FORBIDDEN:");
    const fake = await run(alice, ["board", "attach", String(board.id), "notes.png"], { cwd: workdir });
    expect(fake.code).toBe(1);
    expect(fake.stderr).toMatch(/^error: UNSUPPORTED_FILE_TYPE: /);
    const missing = await run(alice, ["board", "attach", String(board.id), "nowhere.png"]);
    expect(missing).toMatchObject({ code: 2, stderr: "error: cannot read nowhere.png: ENOENT\n" });
    // And board view --json is the board itself, as the API answers it
    expect(await alice.json(["board", "view", String(board.id)])).toMatchObject({ id: board.id, files: [] });
  });

  it("creates an event as the admin; the first to join get its points, the next are told it is full", async () => {
    // Given an event with one seat
    const event = await admin.json<{ id: number; capacity: number }>([
      "event",
      "create",
      "--title",
      "Launch party",
      "--capacity",
      "1",
      "--points",
      "30",
    ]);
    expect(event.capacity).toBe(1);
    expect(
      (await run(bob, ["event", "create", "--title", "x", "--capacity", "1", "--points", "1"])).code,
    ).toBe(1);
    const badTime = await run(admin, [
      "event",
      "create",
      "--title",
      "x",
      "--capacity",
      "1",
      "--points",
      "1",
      "--starts-at",
      "soon",
    ]);
    expect(badTime).toMatchObject({
      code: 2,
      stderr: "error: soon is not a time like 2026-12-24T18:00:00Z\n",
    });

    // When alice joins, then bob, then alice again
    const before = await balance(alice);
    const joined = await run(alice, ["event", "join", String(event.id)]);
    const full = await run(bob, ["event", "join", String(event.id)]);
    const again = await run(alice, ["event", "join", String(event.id)]);

    // Then alice earned the points once; the others are refused with their codes
    expect(joined.stdout).toBe(`${event.id}\t30\t${before + 30}\n`);
    expect(await balance(alice)).toBe(before + 30);
    expect(full).toMatchObject({ code: 1 });
    expect(full.stderr).toMatch(/^error: EVENT_FULL: /);
    expect(again.stderr).toMatch(/^error: ALREADY_JOINED: /);
    expect(await bob.ok(["event", "list"])).toMatch(
      new RegExp(`^${event.id}\tLaunch party\tfull\t1/1\t30 points\t`),
    );
    expect((await bob.json<{ taken: number }>(["event", "view", String(event.id)])).taken).toBe(1);
  });

  it("subscribes through the sandbox gateway: a decline charges nothing, a success grants points once, a refund takes them back", async () => {
    expect(await bob.ok(["subscription", "plans"])).toBe(
      "monthly\tMonthly\t9.90 USD\t30 days\t1000 points\n",
    );
    const before = await balance(bob);

    // When the card is declined, Then nothing is granted and the next step is said
    const declined = await run(bob, [
      "subscription",
      "subscribe",
      "monthly",
      "--payment-token",
      "sandbox-decline",
    ]);
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(
      /^error: PAYMENT_DECLINED: .*\nNothing was charged; try another payment method\.\n$/,
    );
    expect(await balance(bob)).toBe(before);

    // When it succeeds, retried with the same idempotency key, Then one subscription and one grant
    const args = [
      "subscription",
      "subscribe",
      "monthly",
      "--payment-token",
      "sandbox-ok",
      "--idempotency-key",
      "k-1",
    ];
    const first = await bob.json<{ id: number; status: string; pointsGranted: number }>(args);
    const retried = await bob.json<{ id: number }>(args);
    expect(first).toMatchObject({ status: "ACTIVE", pointsGranted: 1000 });
    expect(retried.id).toBe(first.id);
    expect(await balance(bob)).toBe(before + 1000);
    expect(await bob.ok(["subscription", "status"])).toMatch(new RegExp(`^${first.id}\tmonthly\tACTIVE\t`));

    // When bob refunds it (piped: only with --yes), Then the points go back
    expect((await run(bob, ["subscription", "refund", String(first.id)])).code).toBe(2);
    const refunded = await bob.json<{ status: string }>([
      "subscription",
      "refund",
      String(first.id),
      "--yes",
    ]);
    expect(refunded.status).toBe("REFUNDED");
    expect(await balance(bob)).toBe(before);

    // When the gateway's answer is lost, Then the subscription is PENDING and the user is told what happens
    const pending = await run(alice, [
      "subscription",
      "subscribe",
      "monthly",
      "--payment-token",
      "sandbox-timeout",
    ]);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(/^\d+\tmonthly\tPENDING\t/);
    expect(pending.stderr).toContain("is PENDING: the payment's outcome is not known yet");
  });

  it("reviews code files: a thread with a suggestion, applied by the author as a new revision, and its diff", async () => {
    // Given alice's board with two files, posted from her project directory
    const board = await alice.json<{
      id: number;
      revision: number;
      files: { path: string; language: string }[];
    }>(
      [
        "board",
        "create",
        "--title",
        "Deadlock?",
        "--body",
        "Two transfers hang",
        "--file",
        "src/Transfer.kt",
        "--file",
        "./src/Account.kt",
      ],
      { cwd: workdir },
    );
    expect(board.revision).toBe(1);
    expect(board.files.map((f) => [f.path, f.language])).toEqual([
      ["src/Account.kt", "kotlin"],
      ["src/Transfer.kt", "kotlin"],
    ]);
    expect(await alice.ok(["board", "view", String(board.id)])).toContain(
      `Files (revision 1; codechef review ${board.id})\n  src/Account.kt  kotlin · 1 line\n  src/Transfer.kt  kotlin · 10 lines`,
    );

    // When bob starts a thread on lines 3-4 suggesting a lock order (from stdin)
    const noPath = await run(bob, ["thread", "add", String(board.id), "--lines", "3-4", "--body", "x"]);
    expect(noPath).toMatchObject({ code: 2 });
    expect(noPath.stderr).toContain("pass --path: the board has 2 files (src/Account.kt, src/Transfer.kt)");
    const thread = await bob.json<Thread>(
      [
        "thread",
        "add",
        String(board.id),
        "--path",
        "src/Transfer.kt",
        "--lines",
        "3-4",
        "--body",
        "Lock in id order",
        "--suggestion-file",
        "-",
      ],
      { input: ORDERED },
    );
    const suggestion = thread.comments[0]?.id ?? 0;
    expect(thread.comments[0]?.suggestion).toBe(ORDERED);
    await alice.ok(["thread", "reply", String(thread.id), "--body", "Good catch"]);

    // Then the scripts see it as plain lines
    expect(await alice.ok(["thread", "list", String(board.id)])).toBe(
      `${thread.id}\tsrc/Transfer.kt:3-4\tOPEN\tbob\t2\tLock in id order\n`,
    );
    expect(await alice.ok(["thread", "view", String(thread.id)])).toContain(`\n${suggestion}\tbob\t`);

    // When alice applies the suggestion
    const bobBefore = await balance(bob);
    const applied = await run(alice, ["suggestion", "apply", String(board.id), String(suggestion)]);

    // Then revision 2 holds exactly that change, the thread is resolved and bob is credited
    expect(applied).toMatchObject({ code: 0, stdout: "2\talice\tApply suggestions from code review\n" });
    expect(applied.stderr).toBe(`Applied 1 suggestion: revision 2 of board ${board.id}\n`);
    expect(await balance(bob)).toBe(bobBefore + 20);
    expect(await alice.ok(["thread", "list", String(board.id), "--state", "RESOLVED"])).toContain(
      `${thread.id}\tsrc/Transfer.kt:3-4@r1\tRESOLVED outdated\t`,
    );
    const again = await run(alice, ["suggestion", "apply", String(board.id), String(suggestion)]);
    expect(again.stderr).toMatch(/^error: SUGGESTION_APPLIED: /);
    expect((await run(alice, ["suggestion", "apply", String(board.id), "abc"])).code).toBe(2);

    // And board diff prints the unified diff, plain when piped, or the API's JSON
    const diff = await alice.ok(["board", "diff", String(board.id)]);
    expect(diff).toBe(
      [
        "--- src/Transfer.kt",
        "+++ src/Transfer.kt",
        "@@ -1,7 +1,8 @@",
        " class Bank {",
        "     fun transfer(from: Account, to: Account, amount: Long) {",
        "-        synchronized(from) {",
        "-            synchronized(to) {",
        "+        val (first, second) = if (from.id < to.id) from to to else to to from",
        "+        synchronized(first) {",
        "+            synchronized(second) {",
        "                 from.balance -= amount",
        "                 to.balance += amount",
        "             }",
        "",
      ].join("\n"),
    );
    const json = await alice.json<{ from: number; to: number; files: { path: string; status: string }[] }>([
      "board",
      "diff",
      String(board.id),
    ]);
    expect(json).toMatchObject({ from: 1, to: 2, files: [{ path: "src/Transfer.kt", status: "modified" }] });

    // When alice changes one file with a message, Then revision 3 keeps the other file
    writeFileSync(
      join(workdir, "src", "Account.kt"),
      "data class Account(val id: Long, var balance: Long) {\n}\n",
    );
    expect((await run(alice, ["board", "edit", String(board.id), "--message", "why"])).code).toBe(2);
    const edited = await alice.json<{ revision: number; files: { path: string }[] }>(
      ["board", "edit", String(board.id), "--file", "src/Account.kt", "--message", "Account braces"],
      { cwd: workdir },
    );
    expect(edited.revision).toBe(3);
    expect(edited.files.map((f) => f.path)).toEqual(["src/Account.kt", "src/Transfer.kt"]);
    const both = await alice.json<{ files: { path: string }[] }>([
      "board",
      "diff",
      String(board.id),
      "--from",
      "1",
      "--to",
      "3",
    ]);
    expect(both.files.map((f) => f.path)).toEqual(["src/Account.kt", "src/Transfer.kt"]);

    // And the thread can be reopened and resolved again by the author; the review screen wants a terminal
    expect(await alice.ok(["thread", "reopen", String(thread.id)])).toContain("\tOPEN outdated\t");
    expect(await alice.ok(["thread", "resolve", String(thread.id)])).toContain("\tRESOLVED outdated\t");
    const screen = await run(alice, ["review", String(board.id)]);
    expect(screen).toMatchObject({ code: 2, stdout: "" });
    expect(screen.stderr).toContain("review needs a terminal");
  });

  it("printed no escape codes and no stack traces when piped", () => {
    for (const result of runs) {
      expect(result.stdout + result.stderr).not.toContain("\u001b[");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
