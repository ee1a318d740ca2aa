import type { BoardEvent, BoardFileInput, Category, Notification } from "@codechef/contract";
import { type CodeChefError, threadsByLine } from "@codechef/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, detailPaths, json } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { eventually } from "./support/realtime.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

type Signed = Awaited<ReturnType<typeof signedInUser>>;

/** `count` numbered lines, `line 1` … `line N`, each ending in a newline. */
const numbered = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => `line ${from + i}\n`).join("");

const appFile = (content: string): BoardFileInput => ({ path: "src/app.ts", content });
const readme: BoardFileInput = { path: "README.md", content: "# Please review\n" };

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: CodeChefError) => error,
  );

describeEachBackend("code review", (backend) => {
  let server: TestServer;
  let author: Signed;
  let reviewer: Signed;
  let other: Signed;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  let typescript: Category;
  let react: Category;
  let java: Category;
  beforeAll(async () => {
    server = await startTestServer(backend);
    [author, reviewer, other, admin] = await Promise.all([
      signedInUser(server),
      signedInUser(server, { career: "WORKING" }),
      signedInUser(server),
      signedInAdmin(server),
    ]);
    typescript = await admin.client.categories.create({ type: "LANGUAGE", name: "TypeScript" });
    react = await admin.client.categories.create({ type: "FRAMEWORK", name: "React" });
    java = await admin.client.categories.create({ type: "LANGUAGE", name: "Java" });
  });
  afterAll(() => server?.stop());

  const newBoard = (files: BoardFileInput[], categoryIds: number[] = []) =>
    author.client.boards.create({ title: "please review", contents: "my first service", files, categoryIds });
  const contentOf = async (boardId: number, revision: number, path = "src/app.ts") =>
    (await server.client().review.revision(boardId, revision)).files.find((f) => f.path === path)?.content;

  it("versions a board's files: revision 1 at creation, one more per change, with author, time and message", async () => {
    const board = await newBoard([appFile(numbered(3)), readme]);
    expect(board.revision).toBe(1);
    expect(board.files).toEqual([
      { path: "README.md", language: "markdown", content: "# Please review\n" },
      { path: "src/app.ts", language: "typescript", content: numbered(3) },
    ]);

    const same = await author.client.boards.update(board.id, { files: [readme, appFile(numbered(3))] });
    expect(same.revision).toBe(1);
    const changed = await author.client.boards.update(board.id, {
      files: [appFile(numbered(4)), { path: "notes.txt", language: "plain", content: "todo\n" }],
      message: "add a line, drop the readme",
    });
    expect(changed.revision).toBe(2);
    expect(changed.files.map((f) => [f.path, f.language])).toEqual([
      ["notes.txt", "plain"],
      ["src/app.ts", "typescript"],
    ]);
    expect((await server.client().boards.get(board.id)).files).toEqual(changed.files);

    const revisions = await server.client().review.revisions(board.id);
    expect(revisions).toMatchObject({ total: 2, page: 1 });
    expect(revisions.items.map((r) => [r.number, r.author.id, r.message])).toEqual([
      [2, author.user.id, "add a line, drop the readme"],
      [1, author.user.id, null],
    ]);
    expect(Date.parse(revisions.items[0]?.createdAt ?? "")).not.toBeNaN();
    const first = await server.client().review.revision(board.id, 1);
    expect(first).toMatchObject({ boardId: board.id, number: 1, files: board.files });
    expect((await failure(server.client().review.revision(board.id, 3))).status).toBe(404);
  });

  it("carries a thread forward: moved by lines inserted above it, outdated once its lines change", async () => {
    const board = await newBoard([appFile(numbered(20)), readme]);
    const thread = await reviewer.client.review.startThread(board.id, {
      revision: 1,
      path: "src/app.ts",
      startLine: 10,
      endLine: 12,
      body: "these three lines repeat themselves",
    });
    expect(thread).toMatchObject({
      boardId: board.id,
      path: "src/app.ts",
      author: { id: reviewer.user.id },
      original: { revision: 1, startLine: 10, endLine: 12 },
      current: { revision: 1, startLine: 10, endLine: 12 },
      outdated: false,
      state: "OPEN",
      comments: [{ body: "these three lines repeat themselves", suggestion: null, appliedRevision: null }],
    });

    await author.client.boards.update(board.id, {
      files: [appFile(`import a\nimport b\n${numbered(20)}`), readme],
      message: "imports",
    });
    const moved = await server.client().review.thread(thread.id);
    expect(moved.current).toEqual({ revision: 2, startLine: 12, endLine: 14 });
    expect(moved.outdated).toBe(false);

    // Line 13 of revision 2 is the thread's middle line (`line 11`).
    const r2 = (await contentOf(board.id, 2)) ?? "";
    await author.client.boards.update(board.id, {
      files: [appFile(r2.replace("line 11\n", "line eleven\n")), readme],
    });
    const outdated = await server.client().review.thread(thread.id);
    expect(outdated).toMatchObject({
      original: { revision: 1, startLine: 10, endLine: 12 },
      current: null,
      outdated: true,
      state: "OPEN",
    });
    // Shown where it was written, not in the latest revision.
    expect([...threadsByLine([outdated], "src/app.ts", 1).keys()]).toEqual([12]);
    expect(threadsByLine([outdated], "src/app.ts", 3).size).toBe(0);

    const onReadme = await reviewer.client.review.startThread(board.id, {
      revision: 3,
      path: "README.md",
      startLine: 1,
      endLine: 1,
      body: "say what it does",
    });
    await author.client.review.resolve(onReadme.id);
    const list = (query = {}) =>
      server
        .client()
        .review.threads(board.id, query)
        .then((threads) => threads.map((t) => t.id));
    expect(await list()).toEqual([thread.id, onReadme.id]);
    expect(await list({ path: "README.md" })).toEqual([onReadme.id]);
    expect(await list({ state: "OPEN" })).toEqual([thread.id]);
    expect(await list({ state: "RESOLVED", path: "src/app.ts" })).toEqual([]);
  });

  it("applies a suggestion as one new revision with exactly that change, resolves its thread and credits its author", async () => {
    const board = await newBoard([appFile(numbered(20)), readme], [typescript.id, react.id]);
    for (const content of [
      `import a\nimport b\n${numbered(20)}`,
      `import a\nimport b\n${numbered(19)}end\n`,
    ]) {
      await author.client.boards.update(board.id, { files: [appFile(content), readme] });
    }
    const r3 = (await contentOf(board.id, 3)) ?? "";
    const balanceBefore = (await server.client().users.points(reviewer.user.id)).balance;
    const thread = await reviewer.client.review.startThread(board.id, {
      revision: 1,
      path: "src/app.ts",
      startLine: 4,
      endLine: 5,
      body: "one line says it",
      suggestion: "line 4 and 5\n",
    });
    expect(thread.current).toEqual({ revision: 3, startLine: 6, endLine: 7 });
    const [suggestion] = thread.comments;

    const revision = await author.client.review.applySuggestions(board.id, [suggestion?.id ?? 0]);
    expect(revision).toMatchObject({ number: 4, message: "Apply suggestions from code review" });
    expect(await contentOf(board.id, 4)).toBe(r3.replace("line 4\nline 5\n", "line 4 and 5\n"));
    const diff = await server.client().review.diff(board.id);
    expect(
      diff.files.map((f) => [f.path, f.hunks.map((h) => h.lines.filter((l) => /^[-+]/.test(l)))]),
    ).toEqual([["src/app.ts", [["-line 4", "-line 5", "+line 4 and 5"]]]]);

    const applied = await server.client().review.thread(thread.id);
    expect(applied).toMatchObject({ state: "RESOLVED", outdated: true });
    expect(applied.comments[0]?.appliedRevision).toBe(4);
    expect((await server.client().boards.get(board.id)).revision).toBe(4);
    expect((await server.client().users.points(reviewer.user.id)).balance).toBe(balanceBefore + 20);

    for (const category of [typescript, react]) {
      expect((await server.client().rankings.reviewers({ categoryId: category.id })).items).toEqual([
        { id: reviewer.user.id, nickname: reviewer.user.nickname, points: 20 },
      ]);
    }
    expect((await server.client().rankings.reviewers({ categoryId: java.id })).items).toEqual([]);
    const profile = await server.client().users.get(reviewer.user.id);
    expect(profile.topCategories.map((c) => [c.name, c.points])).toEqual([
      ["TypeScript", 20],
      ["React", 20],
    ]);
    expect((await server.client().users.get(author.user.id)).topCategories).toEqual([]);

    // Applied once: again is refused and credits nothing.
    const again = await failure(author.client.review.applySuggestions(board.id, [suggestion?.id ?? 0]));
    expect(again).toMatchObject({ status: 409, code: "SUGGESTION_APPLIED" });
    expect((await server.client().users.points(reviewer.user.id)).balance).toBe(balanceBefore + 20);
  });

  it("counts an adoption in the board's categories only", async () => {
    const board = await newBoard([appFile(numbered(3))], [java.id]);
    const comment = await other.client.comments.create(board.id, { contents: "use a record" });
    await author.client.comments.adopt(comment.id);
    expect((await server.client().rankings.reviewers({ categoryId: java.id })).items).toEqual([
      { id: other.user.id, nickname: other.user.nickname, points: 50 },
    ]);
    const inTypescript = await server.client().rankings.reviewers({ categoryId: typescript.id });
    expect(inTypescript.items.map((item) => item.id)).not.toContain(other.user.id);
    expect((await server.client().users.get(other.user.id)).topCategories).toEqual([
      { id: java.id, type: "LANGUAGE", name: "Java", points: 50 },
    ]);
    const lastMonth = await server.client().rankings.reviewers({ categoryId: java.id, period: "last-month" });
    expect(lastMonth.items).toEqual([]);
    expect((await failure(server.client().rankings.reviewers({ categoryId: 999_999 }))).status).toBe(404);
  });

  it("refuses a stale suggestion and overlapping ones with 409, changing nothing", async () => {
    const board = await newBoard([appFile(numbered(10))]);
    const suggest = (startLine: number, endLine: number, text: string, revision = 1) =>
      reviewer.client.review
        .startThread(board.id, {
          revision,
          path: "src/app.ts",
          startLine,
          endLine,
          body: "try",
          suggestion: text,
        })
        .then((thread) => thread.comments[0]?.id ?? 0);
    const stale = await suggest(2, 3, "two and three\n");
    await author.client.boards.update(board.id, {
      files: [appFile(numbered(10).replace("line 3\n", "line three\n"))],
    });
    const refused = await failure(author.client.review.applySuggestions(board.id, [stale]));
    expect(refused).toMatchObject({ status: 409, code: "SUGGESTION_OUTDATED" });

    const first = await suggest(5, 6, "five six\n", 2);
    const second = await suggest(6, 7, "six seven\n", 2);
    const overlap = await failure(author.client.review.applySuggestions(board.id, [first, second]));
    expect(overlap).toMatchObject({ status: 409, code: "SUGGESTIONS_OVERLAP" });
    const withStale = await failure(author.client.review.applySuggestions(board.id, [first, stale]));
    expect(withStale).toMatchObject({ status: 409, code: "SUGGESTION_OUTDATED" });
    expect((await server.client().review.revisions(board.id)).total).toBe(2);
    const [outdated, ...current] = await server.client().review.threads(board.id);
    expect(current.map((t) => [t.state, t.comments[0]?.appliedRevision])).toEqual([
      ["OPEN", null],
      ["OPEN", null],
    ]);

    // A suggestion on an outdated thread is refused when written, too.
    const late = await failure(reviewer.client.review.reply(outdated?.id ?? 0, "like this?", "x\n"));
    expect(late).toMatchObject({ status: 409, code: "SUGGESTION_OUTDATED" });
    expect((await reviewer.client.review.reply(outdated?.id ?? 0, "never mind")).suggestion).toBeNull();

    await author.client.review.applySuggestions(board.id, [second], "take the second");
    expect(await contentOf(board.id, 3)).toBe(
      numbered(10).replace("line 3\n", "line three\n").replace("line 6\nline 7\n", "six seven\n"),
    );
  });

  it("answers diffs between any two revisions, as unified patches and hunks", async () => {
    const board = await newBoard([
      { path: "a.txt", content: "a\nb\nc\n" },
      { path: "gone.txt", content: "bye\n" },
    ]);
    await author.client.boards.update(board.id, {
      files: [
        { path: "a.txt", content: "a\nB\nc\nd\n" },
        { path: "new.txt", content: "hi\n" },
      ],
    });
    const diff = await server.client().review.diff(board.id);
    expect(diff).toEqual({
      from: 1,
      to: 2,
      files: [
        {
          path: "a.txt",
          status: "modified",
          patch: "--- a.txt\n+++ a.txt\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n",
          hunks: [
            { oldStart: 1, oldLines: 3, newStart: 1, newLines: 4, lines: [" a", "-b", "+B", " c", "+d"] },
          ],
        },
        {
          path: "gone.txt",
          status: "removed",
          patch: "--- gone.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-bye\n",
          hunks: [{ oldStart: 1, oldLines: 1, newStart: 1, newLines: 0, lines: ["-bye"] }],
        },
        {
          path: "new.txt",
          status: "added",
          patch: "--- /dev/null\n+++ new.txt\n@@ -0,0 +1,1 @@\n+hi\n",
          hunks: [{ oldStart: 1, oldLines: 0, newStart: 1, newLines: 1, lines: ["+hi"] }],
        },
      ],
    });
    const back = await server.client().review.diff(board.id, { from: 2, to: 1 });
    expect(back.files.map((f) => [f.path, f.status])).toEqual([
      ["a.txt", "modified"],
      ["gone.txt", "added"],
      ["new.txt", "removed"],
    ]);
    expect((await server.client().review.diff(board.id, { from: 1, to: 1 })).files).toEqual([]);
    const beyond = await raw(server, "GET", `/api/v1/boards/${board.id}/diff?from=3&to=9`);
    expect(beyond.status).toBe(400);
    expect(detailPaths(beyond.body.error)).toEqual(["query.from", "query.to"]);
    expect((await raw(server, "GET", "/api/v1/boards/999999/diff")).status).toBe(404);
  });

  describe("bad input", () => {
    const post = (path: string, body: unknown, token = author.session.accessToken) =>
      raw(server, "POST", `/api/v1${path}`, bearer(token, json(body)));

    it("names each bad file field with a typed 400", async () => {
      const tooMany = Array.from({ length: 11 }, (_, i) => ({ path: `f${i}.txt`, content: "" }));
      const cases: [unknown, string[]][] = [
        [tooMany, ["body.files"]],
        [
          [
            { path: "a.ts", content: "" },
            { path: "a.ts", content: "x" },
          ],
          ["body.files.1.path"],
        ],
        [[{ path: "../etc/passwd", content: "" }], ["body.files.0.path"]],
        [[{ path: "", content: "" }], ["body.files.0.path"]],
        [[{ path: "x".repeat(201), content: "" }], ["body.files.0.path"]],
        [[{ path: "big.txt", content: "x".repeat(200 * 1024 + 1) }], ["body.files.0.content"]],
        [[{ path: "long.txt", content: "\n".repeat(5001) }], ["body.files.0.content"]],
        [[{ path: "a.ts" }], ["body.files.0.content"]],
      ];
      for (const [files, paths] of cases) {
        const response = await post("/boards", { title: "t", contents: "c", files });
        expect(response.status, JSON.stringify(paths)).toBe(400);
        expect(response.body.error.code).toBe("INVALID_INPUT");
        expect(detailPaths(response.body.error)).toEqual(paths);
      }
      const board = await newBoard([appFile(numbered(3))]);
      const lonelyMessage = await raw(
        server,
        "PATCH",
        `/api/v1/boards/${board.id}`,
        bearer(author.session.accessToken, json({ message: "nothing" })),
      );
      expect(detailPaths(lonelyMessage.body.error)).toEqual(["body.message"]);
      expect((await server.client().review.revisions(board.id)).total).toBe(1);
      // Ten files near their limits are fine: 2 MB in one body.
      const near = `${"x".repeat(99)}\n`.repeat(2000);
      const atLimit = await newBoard(
        Array.from({ length: 10 }, (_, i) => ({ path: `max${i}.txt`, content: near })),
      );
      expect(atLimit.files.map((f) => [f.language, f.content.length])).toEqual(
        Array(10).fill(["text", 200_000]),
      );
    });

    it("names bad thread and suggestion fields", async () => {
      const board = await newBoard([appFile(numbered(5))]);
      const thread = (body: Record<string, unknown>) =>
        post(`/boards/${board.id}/threads`, {
          revision: 1,
          path: "src/app.ts",
          startLine: 1,
          endLine: 2,
          body: "hm",
          ...body,
        });
      const cases: [Record<string, unknown>, string[]][] = [
        [{ startLine: 3, endLine: 2 }, ["body.endLine"]],
        [{ endLine: 6 }, ["body.endLine"]],
        [{ startLine: 0 }, ["body.startLine"]],
        [{ path: "nope.ts" }, ["body.path"]],
        [{ revision: 2 }, ["body.revision"]],
        [{ body: " " }, ["body.body"]],
      ];
      for (const [body, paths] of cases) {
        const response = await thread(body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(detailPaths(response.body.error)).toEqual(paths);
      }
      expect(await server.client().review.threads(board.id)).toEqual([]);

      const plain = (await thread({})).body.comments[0].id;
      const elsewhere = await newBoard([appFile(numbered(5))]);
      const applyCases: [unknown, string[]][] = [
        [{ commentIds: [] }, ["body.commentIds"]],
        [{ commentIds: [plain, plain] }, ["body.commentIds"]],
        [{ commentIds: [plain] }, ["body.commentIds.0"]],
      ];
      for (const [body, paths] of applyCases) {
        const response = await post(`/boards/${board.id}/suggestions/apply`, body);
        expect(response.status).toBe(400);
        expect(detailPaths(response.body.error)).toEqual(paths);
      }
      const foreign = await post(`/boards/${elsewhere.id}/suggestions/apply`, { commentIds: [plain] });
      expect(detailPaths(foreign.body.error)).toEqual(["body.commentIds.0"]);
    });
  });

  it("lets only the board's author apply, and the board's or the thread's author resolve and reopen", async () => {
    const board = await newBoard([appFile(numbered(5))]);
    const thread = await reviewer.client.review.startThread(board.id, {
      revision: 1,
      path: "src/app.ts",
      startLine: 1,
      endLine: 1,
      body: "rename",
      suggestion: "first\n",
    });
    const commentId = thread.comments[0]?.id ?? 0;
    for (const client of [reviewer.client, other.client, admin.client]) {
      expect((await failure(client.review.applySuggestions(board.id, [commentId]))).status).toBe(403);
    }
    expect((await failure(other.client.review.resolve(thread.id))).status).toBe(403);
    expect((await failure(other.client.review.reopen(thread.id))).status).toBe(403);
    expect((await reviewer.client.review.resolve(thread.id)).state).toBe("RESOLVED");
    expect((await reviewer.client.review.resolve(thread.id)).state).toBe("RESOLVED");
    expect((await author.client.review.reopen(thread.id)).state).toBe("OPEN");
    const anonymous = await raw(
      server,
      "POST",
      `/api/v1/boards/${board.id}/threads`,
      json({ revision: 1, path: "src/app.ts", startLine: 1, endLine: 1, body: "x" }),
    );
    expect(anonymous.status).toBe(401);
    expect((await failure(author.client.review.resolve(999_999))).status).toBe(404);
    expect((await server.client().review.revisions(board.id)).total).toBe(1);
  });

  it("tells watchers live on /topic/board.{id} and as notifications", async () => {
    const board = await newBoard([appFile(numbered(5))]);
    const watcher = await signedInUser(server);
    expect(await watcher.client.review.watch(board.id)).toEqual({ boardId: board.id, watching: true });
    const events: BoardEvent[] = [];
    const notes: Notification[] = [];
    const live = other.client.realtime;
    try {
      await live.subscribeBoard(board.id, (event) => events.push(event));
      await watcher.client.realtime.subscribeNotifications((note) => notes.push(note));

      const thread = await reviewer.client.review.startThread(board.id, {
        revision: 1,
        path: "src/app.ts",
        startLine: 2,
        endLine: 3,
        body: "split this",
        suggestion: "two\nthree\n",
      });
      await author.client.review.reply(thread.id, "why?");
      await author.client.review.applySuggestions(board.id, [thread.comments[0]?.id ?? 0]);
      await eventually(
        () => events.map((e) => e.type),
        (types) => types.length >= 4,
      );
      expect(events.map((e) => e.type)).toEqual([
        "THREAD_CREATED",
        "COMMENT_ADDED",
        "REVISION_CREATED",
        "THREAD_RESOLVED",
      ]);
      expect(events[0]).toMatchObject({ boardId: board.id, thread: { id: thread.id } });
      expect(events[2]).toMatchObject({ revision: { number: 2 } });

      await eventually(
        () => notes.map((n) => n.type),
        (types) => types.length >= 4,
      );
      const stored = await watcher.client.notifications.list();
      expect(stored.items.map((n) => n.type).reverse()).toEqual([
        "REVIEW_THREAD",
        "REVIEW_REPLY",
        "BOARD_REVISION",
        "THREAD_RESOLVED",
      ]);
      expect(stored.items.at(-1)?.payload).toMatchObject({ boardId: board.id, threadId: thread.id });
      // The reviewer watches now too (not of their own thread), the author hears the reviewer.
      const aboutBoard = async (user: Signed) =>
        (await user.client.notifications.list({ limit: 100 })).items
          .filter((n) => n.payload.boardId === board.id)
          .map((n) => n.type);
      expect(await aboutBoard(reviewer)).toEqual(["THREAD_RESOLVED", "BOARD_REVISION", "REVIEW_REPLY"]);
      expect(await aboutBoard(author)).toEqual(["REVIEW_THREAD"]);

      await watcher.client.review.unwatch(board.id);
      await reviewer.client.review.reply(thread.id, "it reads better");
      await expect(watcher.client.notifications.unreadCount()).resolves.toEqual({ count: 4 });

      await expect(live.subscribeBoard(999_999, () => {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    } finally {
      await live.disconnect();
      await watcher.client.realtime.disconnect();
    }
  });

  it("indexes file contents for search", async () => {
    const board = await newBoard([
      { path: "db/lock.sql", content: "SELECT balance FROM accounts WHERE id = ? FOR UPDATE;\n" },
    ]);
    await server.container.search.outbox.drain();
    const hits = await server.client().search.boards({ q: "FOR UPDATE" });
    expect(hits.items.map((hit) => hit.id)).toContain(board.id);
    await author.client.boards.update(board.id, { files: [{ path: "db/lock.sql", content: "SELECT 1;\n" }] });
    await server.container.search.outbox.drain();
    expect((await server.client().search.boards({ q: "accounts" })).items.map((h) => h.id)).not.toContain(
      board.id,
    );
  });
});
