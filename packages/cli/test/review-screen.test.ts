import { render } from "ink-testing-library";
import { createElement as h } from "react";
import { describe, expect, it, vi } from "vitest";
import { ReviewScreen } from "../src/app/ReviewScreen.tsx";
import type { ReviewBoard, ReviewSource, Thread } from "../src/app/source.ts";

const KEY = { down: "\u001b[B", right: "\u001b[C", enter: "\r", escape: "\u001b" };
const at = "2026-12-01T10:00:00.000Z";
const alice = { id: 1, nickname: "alice" };
const bob = { id: 2, nickname: "bob" };

const transfer = [
  "fun transfer(a: Account, b: Account) {",
  "  synchronized(a) {",
  "    synchronized(b) {",
  "      a.balance -= 1",
  "      b.balance += 1",
  "    }",
  "  }",
  "}",
].join("\n");
const board: ReviewBoard = {
  id: 12,
  title: "Deadlock?",
  contents: "Please review",
  author: alice,
  categories: [],
  viewCount: 1,
  adoptedComment: null,
  files: [
    { path: "Account.kt", language: "kotlin", content: "data class Account(var balance: Long)\n" },
    { path: "Transfer.kt", language: "kotlin", content: `${transfer}\n` },
  ],
  revision: 2,
  createdAt: at,
  updatedAt: at,
};

const comment = (id: number, author: typeof bob, body: string, suggestion: string | null = null) => ({
  id,
  threadId: 5,
  author,
  body,
  suggestion,
  appliedRevision: null,
  createdAt: at,
});
const thread = (overrides: Partial<Thread> = {}): Thread => ({
  id: 5,
  boardId: 12,
  path: "Transfer.kt",
  author: bob,
  original: { revision: 2, startLine: 2, endLine: 3 },
  current: { revision: 2, startLine: 2, endLine: 3 },
  outdated: false,
  state: "OPEN",
  comments: [
    comment(6, bob, "Lock in a fixed order"),
    comment(7, bob, "Like this:", "  synchronized(minOf(a, b)) {\n    synchronized(maxOf(a, b)) {\n"),
  ],
  createdAt: at,
  updatedAt: at,
  ...overrides,
});

function fakeSource(overrides: Partial<ReviewSource> = {}): ReviewSource {
  return {
    me: async () => alice,
    board: async () => board,
    files: vi.fn(async (_board: number, revision: number) => [
      { path: "Transfer.kt", language: "kotlin", content: `// revision ${revision}\n${transfer}\n` },
    ]),
    threads: async () => [thread()],
    startThread: vi.fn(async () => thread({ id: 9 })),
    reply: vi.fn(async () => ({})),
    resolve: vi.fn(async () => ({})),
    reopen: vi.fn(async () => ({})),
    apply: vi.fn(async () => ({ number: 3 })),
    diff: vi.fn(async () => ({
      from: 1,
      to: 2,
      files: [
        {
          path: "Transfer.kt",
          status: "modified" as const,
          patch: "--- Transfer.kt\n+++ Transfer.kt\n@@ -1,1 +1,1 @@\n-fun move()\n+fun transfer()\n",
          hunks: [],
        },
      ],
    })),
    follow: async () => () => {},
    edit: vi.fn(async (text: string) => text.replace("synchronized(a)", "synchronized(lock)")),
    ...overrides,
  };
}

async function until(frame: () => string | undefined, text: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const current = frame() ?? "";
    if (current.includes(text)) return current;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never showed ${JSON.stringify(text)}; last frame:\n${frame()}`);
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));
const screen = (source: ReviewSource, initial = { path: "Transfer.kt" }) =>
  render(h(ReviewScreen, { source, id: 12, height: 30, onExit: () => {}, initial }));

describe("Review screen", () => {
  it("shows the file with line numbers and its threads under the lines they are about", async () => {
    // Given a thread on lines 2-3 with a suggestion
    const { lastFrame } = screen(fakeSource());

    // When the screen has loaded
    const frame = await until(lastFrame, "Lock in a fixed order");

    // Then the lines are numbered, the commented ones marked, and the thread follows line 3 with its suggestion
    expect(frame).toContain("#12 Deadlock? · revision 2/2 · Transfer.kt (2/2) · 1 open thread");
    expect(frame).toContain("› 1 │ fun transfer(a: Account, b: Account) {");
    expect(frame).toMatch(
      / {2}2 ● {3}synchronized\(a\) \{\n {2}3 ● {5}synchronized\(b\) \{\n +╭ #5 bob on 2–3 · open/,
    );
    expect(frame).toContain("│ suggestion #7");
    expect(frame).toContain("│ -   synchronized(a) {");
    expect(frame).toContain("│ +   synchronized(minOf(a, b)) {");
    expect(frame).toMatch(/╰\n {2}4 │ {7}a\.balance -= 1/);
    expect(frame).toContain("c comment on 1");
    expect(frame).toContain("? help");
  });

  it("selects a range with v and the arrows and starts a thread on it with c", async () => {
    // Given the file, the cursor on line 4
    const source = fakeSource();
    const { lastFrame, stdin } = screen(source);
    await until(lastFrame, "Lock in a fixed order");
    stdin.write("jjj");
    await until(lastFrame, "c comment on 4");

    // When the user selects lines 4-5 and comments
    stdin.write("v");
    stdin.write(KEY.down);
    await until(lastFrame, "v selecting 4–5");
    stdin.write("c");
    await until(lastFrame, "comment on Transfer.kt:4–5:");
    stdin.write("Not atomic");
    await settle();
    stdin.write(KEY.enter);

    // Then a thread starts on those lines of the revision shown
    await until(lastFrame, "started thread #9 on 4–5");
    expect(source.startThread).toHaveBeenCalledWith(12, {
      revision: 2,
      path: "Transfer.kt",
      startLine: 4,
      endLine: 5,
      body: "Not atomic",
      suggestion: undefined,
    });
  });

  it("writes a suggestion in the editor: on a thread's lines it is a reply, on a selection a new thread", async () => {
    // Given the cursor on line 2, inside the thread
    const source = fakeSource();
    const { lastFrame, stdin } = screen(source);
    await until(lastFrame, "Lock in a fixed order");
    stdin.write("j");
    await until(lastFrame, "s suggest in #5");

    // When the user presses s, the editor changes the lines, and Enter sends the prefilled comment
    stdin.write("s");
    await until(lastFrame, "reply to #5 with the suggestion: Suggested change (type a comment, or enter)");
    await settle();
    stdin.write(KEY.enter);

    // Then the editor had exactly the thread's lines, and the reply carries what was saved
    await until(lastFrame, "replied to thread #5");
    expect(source.edit).toHaveBeenCalledWith("  synchronized(a) {\n    synchronized(b) {\n");
    expect(source.reply).toHaveBeenCalledWith(
      5,
      "Suggested change",
      "  synchronized(lock) {\n    synchronized(b) {\n",
    );

    // When the user selects line 2 alone and suggests
    stdin.write("v");
    await until(lastFrame, "v selecting 2");
    stdin.write("s");
    await until(lastFrame, "suggest on Transfer.kt:2:");
    await settle();
    stdin.write("Use one lock");
    await settle();
    stdin.write(KEY.enter);

    // Then it is a new thread on line 2
    await until(lastFrame, "started thread #9 on 2");
    expect(source.startThread).toHaveBeenCalledWith(12, {
      revision: 2,
      path: "Transfer.kt",
      startLine: 2,
      endLine: 2,
      body: "Use one lock",
      suggestion: "  synchronized(lock) {\n",
    });
  });

  it("lets the board's author resolve a thread and apply its suggestion, then shows the new revision", async () => {
    // Given alice's board, the cursor in bob's thread
    const source = fakeSource();
    const { lastFrame, stdin } = screen(source);
    await until(lastFrame, "Lock in a fixed order");
    stdin.write("jj");
    await until(lastFrame, "a apply #7");

    // When she resolves it
    stdin.write("x");
    await until(lastFrame, "resolved thread #5");
    expect(source.resolve).toHaveBeenCalledWith(5);

    // When she applies the suggestion
    stdin.write("a");

    // Then one revision is made and shown
    await until(lastFrame, "applied suggestion #7: revision 3");
    expect(source.apply).toHaveBeenCalledWith(12, [7]);
    const frame = await until(lastFrame, "// revision 3");
    expect(frame).toContain("revision 3/3");
    expect(source.files).toHaveBeenCalledWith(12, 3);
  });

  it("offers someone else's board no apply, and nothing to write when signed out", async () => {
    const { lastFrame, stdin } = screen(fakeSource({ me: async () => undefined }));
    await until(lastFrame, "Lock in a fixed order");
    stdin.write("jj");
    await settle();
    expect(lastFrame()).not.toContain("apply");
    expect(lastFrame()).not.toContain("c comment");
    expect(lastFrame()).toContain("←→ file");
  });

  it("moves between files and revisions, and shows the file's diff", async () => {
    // Given the screen on Transfer.kt of revision 2
    const source = fakeSource();
    const { lastFrame, stdin } = screen(source);
    await until(lastFrame, "Lock in a fixed order");

    // When the user goes to the next file
    stdin.write(KEY.right);
    await until(lastFrame, "data class Account(var balance: Long)");
    expect(lastFrame()).toContain("Account.kt (1/2) · 0 open threads");

    // When the user goes back a revision, Then that revision's files are fetched and shown
    stdin.write("[");
    await until(lastFrame, "// revision 1");
    expect(lastFrame()).toContain("revision 1/2 · Transfer.kt (1/1)");
    expect(lastFrame()).not.toContain("Lock in a fixed order");
    stdin.write("]");
    await until(lastFrame, "revision 2/2");

    // When the user presses d, Then the diff from the revision before is shown
    stdin.write("d");
    const diff = await until(lastFrame, "+fun transfer()");
    expect(diff).toContain("diff r1→r2");
    expect(diff).toContain("-fun move()");
    expect(source.diff).toHaveBeenCalledWith(12, 1, 2);
  });

  it("says when a revision arrives live, and opens help with ?", async () => {
    let changed: Parameters<ReviewSource["follow"]>[1] | undefined;
    const source = fakeSource({
      follow: async (_id, on) => {
        changed = on;
        return () => {};
      },
    });
    const { lastFrame, stdin } = screen(source);
    await until(lastFrame, "Lock in a fixed order");
    changed?.({
      type: "REVISION_CREATED",
      boardId: 12,
      revision: { number: 3, author: alice, message: null, createdAt: at },
    });
    await until(lastFrame, "revision 3 by alice arrived: ] to see it");
    expect(lastFrame()).toContain("revision 2/3");

    stdin.write("?");
    await until(lastFrame, "Keys of the review screen");
    stdin.write("x");
    await until(lastFrame, "Lock in a fixed order");
  });
});
