import { readFileSync, statSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../server/test/support/test-server.ts";
import { buildCli, Cli, type Run } from "./support.ts";

const ESCAPE = "\u001b[";
const PASSWORD = "correct horse battery";

describe("codechef against a real server", () => {
  let server: TestServer;
  let alice: Cli;
  let bob: Cli;
  let admin: Cli;
  const runs: Run[] = [];
  const run = async (
    cli: Cli,
    args: string[],
    options?: { input?: string; env?: Record<string, string> },
  ) => {
    const result = await cli.run(args, options);
    runs.push(result);
    return result;
  };

  beforeAll(async () => {
    await buildCli();
    server = await startTestServer("embedded", {
      ADMIN_EMAIL: "admin@example.com",
      ADMIN_PASSWORD: PASSWORD,
    });
    alice = new Cli(server.url);
    bob = new Cli(server.url);
    admin = new Cli(server.url);
  });

  afterAll(async () => {
    await server?.stop();
    for (const cli of [alice, bob, admin]) cli?.cleanup();
  });

  it("signs up and in, keeping the session in a private file", async () => {
    // Given two new users, When they sign up and the admin logs in with --password-stdin
    const signup = await run(
      alice,
      [
        "auth",
        "signup",
        "--email",
        "alice@example.com",
        "--nickname",
        "alice",
        "--career",
        "ASPIRING",
        "--password-stdin",
      ],
      { input: `${PASSWORD}\n` },
    );
    expect(signup.code).toBe(0);
    await bob.ok(
      [
        "auth",
        "signup",
        "--email",
        "bob@example.com",
        "--nickname",
        "bob",
        "--career",
        "WORKING",
        "--password-stdin",
      ],
      { input: PASSWORD },
    );
    await bob.ok(["auth", "logout"]);
    const login = await run(bob, ["auth", "login", "--email", "bob@example.com", "--password-stdin"], {
      input: PASSWORD,
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/^\d+\tbob\tbob@example.com\n$/);
    await admin.ok(["auth", "login", "--email", "admin@example.com", "--password-stdin"], {
      input: PASSWORD,
    });

    // Then the session is stored 0600 in a 0700 directory, and auth status asks the server who we are
    expect(statSync(alice.configDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(alice.configDir, "hosts.json")).mode & 0o777).toBe(0o600);
    const status = await run(alice, ["auth", "status"]);
    expect(status.stdout).toContain("\talice\talice@example.com\tUSER");
  });

  it("posts a file as a code block, lists it as the API's JSON and shows it with its comments", async () => {
    // Given a source file
    const file = join(alice.configDir, "sum.py");
    writeFileSync(file, "def total(xs):\n    return sum(xs)\n");

    // When alice posts it for review
    const created = await alice.json<{ id: number; contents: string }>([
      "board",
      "create",
      "--title",
      "Review my sum",
      "--body",
      "Pythonic enough?",
      "--code",
      file,
    ]);

    // Then the body carries a fenced python block, and board list --json is exactly the page object
    expect(created.contents).toBe("Pythonic enough?\n\n```python\ndef total(xs):\n    return sum(xs)\n```");
    const page = await alice.json<{
      items: { id: number; title: string }[];
      total: number;
      page: number;
      size: number;
    }>(["board", "list"]);
    expect(page).toMatchObject({ page: 1, size: 20, total: 1 });
    expect(page.items.map((b) => b.id)).toEqual([created.id]);

    // When bob comments and alice adopts it
    const comment = await bob.json<{ id: number }>(
      ["comment", "add", String(created.id), "--body-file", "-"],
      { input: "Use a generator." },
    );
    const adopted = await alice.json<{ adopted: boolean }>(["comment", "adopt", String(comment.id)]);
    expect(adopted.adopted).toBe(true);

    // Then the view shows the post, the code and the adopted comment, in plain text when piped
    const view = await run(bob, ["board", "view", String(created.id)]);
    expect(view.code).toBe(0);
    expect(view.stdout).toContain("Review my sum");
    expect(view.stdout).toContain("```python\ndef total(xs):");
    expect(view.stdout).toMatch(new RegExp(`#${comment.id} bob · .* ✓ adopted\\nUse a generator\\.`));

    // And bob earned the adoption points
    const points = await bob.ok(["points"]);
    expect(points.split("\n")[0]).toBe("balance\t50");
    expect(points).toContain("\t+50\t50\t");
  });

  it("searches, and ranks boards, users and keywords", async () => {
    const hits = await bob.ok(["search", "sum"]);
    expect(hits).toMatch(/^\d+\tReview my sum\t/);
    expect(await bob.ok(["rank", "boards"])).toMatch(/^1\t#\d+ Review my sum\t\d+\n$/);
    expect(await bob.ok(["rank", "users", "--career", "WORKING"])).toBe("1\tbob\t50\n");
    expect(await bob.ok(["rank", "keywords", "--window", "1h"])).toBe("1\tsum\t1\n");
  });

  it("says on stderr what a search found, leaving stdout to the rows", async () => {
    const found = await run(bob, ["search", "sum"]);
    expect([found.code, found.stderr]).toEqual([0, "1 match.\n"]);
    const past = await run(bob, ["search", "sum", "--page", "3"]);
    expect([past.code, past.stdout, past.stderr]).toEqual([
      0,
      "",
      "Page 3 is past the end: 1 match on 1 page.\n",
    ]);
    const none = await run(bob, ["search", "nothing-like-this"]);
    expect([none.code, none.stdout, none.stderr]).toEqual([0, "", 'No boards match "nothing-like-this".\n']);
    const json = await run(bob, ["search", "nothing-like-this", "--json"]);
    expect([json.stderr, JSON.parse(json.stdout).total]).toEqual(["", 0]);
  });

  it("creates a room, talks in it and prints its history, also live with --follow", async () => {
    // Given alice's room that bob joined
    const room = await alice.json<{ id: number }>(["chat", "create", "Code review hour"]);
    await bob.ok(["chat", "join", String(room.id)]);

    // When alice follows the history and bob says something
    const follow = alice.follow(["chat", "history", String(room.id), "--follow"]);
    await until(() => follow.output().includes("bob"));
    await bob.ok(["chat", "send", String(room.id), "hello from the terminal"]);

    // Then the live history prints it, and Ctrl+C ends the follow cleanly
    await until(() => follow.output().includes("hello from the terminal"));
    expect(await follow.interrupt()).toBe(0);
    const history = await alice.ok(["chat", "history", String(room.id)]);
    expect(
      history
        .trim()
        .split("\n")
        .map((line) => line.split("\t")[2]),
    ).toEqual(["CREATE", "IN", "SEND"]);
    expect(history).toContain("\tSEND\tbob\thello from the terminal");
    expect(await bob.ok(["chat", "list"])).toContain("\tCode review hour\talice\t2\tOPEN");
    await bob.ok(["chat", "leave", String(room.id)]);
  });

  it("follows notifications live", async () => {
    const follow = alice.follow(["notifications", "--follow"]);
    await until(() => follow.output().includes("COMMENT"));
    const board = (await alice.json<{ items: { id: number }[] }>(["board", "list"])).items[0]?.id;
    await bob.ok(["comment", "add", String(board), "--body", "one more thought"]);
    await until(() => follow.output().includes('bob commented on "Review my sum": one more thought'));
    expect(await follow.interrupt()).toBe(0);
  });

  it("lists notifications and marks them read", async () => {
    // Given bob's comment on alice's board and an announcement
    await admin.ok(["admin", "announce", "--title", "Maintenance", "--body", "Tonight at ten"]);
    const unread = await alice.json<{ items: { id: number; type: string }[] }>(["notifications", "--unread"]);
    expect(unread.items.map((n) => n.type).sort()).toEqual(["ANNOUNCEMENT", "COMMENT", "COMMENT"]);
    expect(await alice.ok(["notifications"])).toContain("unread\tCOMMENT\t");

    // When alice reads one, then all
    await alice.ok(["notifications", "read", String(unread.items[0]?.id)]);
    expect((await alice.json<{ items: unknown[] }>(["notifications", "--unread"])).items).toHaveLength(2);
    await alice.ok(["notifications", "read", "--all"]);
    expect((await alice.json<{ items: unknown[] }>(["notifications", "--unread"])).items).toHaveLength(0);
  });

  it("edits and deletes boards and comments, finds similar boards and shows a user", async () => {
    // Given a board of bob's with a comment of alice's
    const board = await bob.json<{ id: number; author: { id: number } }>([
      "board",
      "create",
      "--title",
      "Sum of squares",
      "--body",
      "def squares(xs): return sum(x * x for x in xs)",
    ]);
    const comment = await alice.json<{ id: number }>(["comment", "add", String(board.id), "--body", "nice"]);

    // When both edit, Then the server has the new text
    const edited = await bob.json<{ title: string; contents: string }>(
      ["board", "edit", String(board.id), "--title", "Sum of squares, again", "--body-file", "-"],
      { input: "def squares(xs):\n    return sum(x * x for x in xs)\n" },
    );
    expect(edited).toMatchObject({
      title: "Sum of squares, again",
      contents: "def squares(xs):\n    return sum(x * x for x in xs)\n",
    });
    expect(
      (await alice.json<{ contents: string }>(["comment", "edit", String(comment.id), "--body", "very nice"]))
        .contents,
    ).toBe("very nice");
    expect(await alice.ok(["board", "similar", String(board.id)])).toContain("\tReview my sum");
    expect(await alice.ok(["user", "view", String(board.author.id)])).toMatch(
      /^\d+\tbob\tWORKING\tUSER\tACTIVE\t/,
    );

    // When they delete, Then the comment and the board are gone; a piped delete without --yes is refused
    await alice.ok(["comment", "delete", String(comment.id)]);
    expect((await run(bob, ["board", "delete", String(board.id)])).code).toBe(2);
    await bob.ok(["board", "delete", String(board.id), "--yes"]);
    expect((await run(bob, ["board", "view", String(board.id)])).code).toBe(1);
  });

  it("runs the admin commands, and takes CODECHEF_TOKEN instead of the stored session", async () => {
    const bobId = Number((await bob.ok(["auth", "status"])).split("\t")[1]);
    const granted = await admin.json<{ delta: number; balanceAfter: number }>([
      "admin",
      "grant",
      String(bobId),
      "25",
      "--reason",
      "great reviews",
    ]);
    expect(granted).toMatchObject({ delta: 25, balanceAfter: 75 });
    expect(await admin.ok(["admin", "users", "--query", "bob"])).toContain(
      "\tbob\tbob@example.com\tUSER\tACTIVE\t",
    );
    await admin.ok(["admin", "warn", String(bobId), "--reason", "be kind"]);
    const category = await admin.json<{ id: number; name: string }>([
      "admin",
      "category",
      "add",
      "--type",
      "LANGUAGE",
      "Zig",
    ]);
    expect(
      (await admin.json<{ name: string }>(["admin", "category", "rename", String(category.id), "Zig 1.0"]))
        .name,
    ).toBe("Zig 1.0");
    await admin.ok(["admin", "category", "delete", String(category.id)]);
    expect((await run(bob, ["admin", "users"])).code).toBe(1);

    const token = JSON.parse(readFileSync(join(bob.configDir, "hosts.json"), "utf8")).hosts[server.url]
      .accessToken;
    const stranger = new Cli(server.url);
    try {
      expect(await stranger.ok(["auth", "status"], { env: { CODECHEF_TOKEN: token } })).toContain("\tbob\t");
    } finally {
      stranger.cleanup();
    }
  });

  it("answers each failure with its exit code and a next step, never a stack trace", async () => {
    const stranger = new Cli(server.url);
    try {
      const notSignedIn = await run(stranger, ["board", "create", "--title", "x", "--body", "y"]);
      expect(notSignedIn.code).toBe(4);
      expect(notSignedIn.stderr).toContain("codechef auth login");

      const notFound = await run(alice, ["board", "view", "99999"]);
      expect(notFound).toMatchObject({ code: 1, stdout: "" });
      expect(notFound.stderr).toBe("error: NOT_FOUND: board not found\n");

      const badFlag = await run(alice, ["board", "list", "--bogus"]);
      expect(badFlag.code).toBe(2);
      expect(badFlag.stderr).toContain("unknown option '--bogus'");
      expect((await run(alice, ["board", "view", "abc"])).code).toBe(2);
      expect((await run(alice, ["comment", "add", "1"])).code).toBe(2);

      const wrongPassword = await run(
        stranger,
        ["auth", "login", "--email", "alice@example.com", "--password-stdin"],
        { input: "nope" },
      );
      expect(wrongPassword.code).toBe(1);
      expect(wrongPassword.stderr).toMatch(/^error: [A-Z_]+: /);
    } finally {
      stranger.cleanup();
    }
    for (const result of runs) {
      expect(result.stdout + result.stderr).not.toContain(ESCAPE);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("says clearly when the server cannot be reached", async () => {
    const closed = await closedPort();
    const result = await alice.run(["board", "list", "--server", `http://127.0.0.1:${closed}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: cannot reach http://127.0.0.1:${closed} (ECONNREFUSED).`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("signs out: the session is revoked on the server and forgotten here", async () => {
    await alice.ok(["auth", "logout"]);
    const status = await alice.run(["auth", "status"]);
    expect(status.code).toBe(4);
  });

  it("prints help and version with exit 0, and completion scripts", async () => {
    expect((await alice.run(["--help"])).code).toBe(0);
    expect((await alice.ok(["--version"])).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(await alice.ok(["completion", "bash"])).toContain(
      '"board") COMPREPLY=($(compgen -W "list view create edit delete attach diff similar',
    );
    expect(await alice.ok(["completion", "zsh"])).toContain("compdef _codechef codechef");
    expect(await alice.ok(["completion", "fish"])).toContain("complete -c codechef");
    expect((await alice.run(["completion", "tcsh"])).code).toBe(2);
  });
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
