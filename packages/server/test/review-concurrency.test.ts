import type { BoardFileInput } from "@codechef/contract";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithServices } from "./support/backends.ts";
import { bearer, json } from "./support/community.ts";
import { raw, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line ${i + 1}\n`).join("");
type Signed = Awaited<ReturnType<typeof signedInUser>>;
const app = (content: string): BoardFileInput => ({ path: "app.py", content });

describeWithServices("code review under concurrency", () => {
  let server: TestServer;
  let author: Awaited<ReturnType<typeof signedInUser>>;
  let reviewers: [Signed, Signed];
  beforeAll(async () => {
    server = await startTestServer("services");
    author = await signedInUser(server);
    reviewers = await Promise.all([signedInUser(server), signedInUser(server)]);
  });
  afterAll(() => server?.stop());

  const revisionNumbers = async (boardId: number) =>
    (await server.client().review.revisions(boardId, { size: 100 })).items
      .map((r) => r.number)
      .sort((a, b) => a - b);
  const apply = (boardId: number, commentIds: number[]) =>
    raw(
      server,
      "POST",
      `/api/v1/boards/${boardId}/suggestions/apply`,
      bearer(author.session.accessToken, json({ commentIds })),
    );

  it("makes two consecutive revisions of two applications at once, the second made from the first", async () => {
    for (let round = 0; round < 5; round++) {
      const board = await author.client.boards.create({
        title: "race",
        contents: "c",
        files: [app(numbered(10))],
      });
      const suggest = (index: number, line: number, text: string) =>
        reviewers[index as 0 | 1].client.review
          .startThread(board.id, {
            revision: 1,
            path: "app.py",
            startLine: line,
            endLine: line,
            body: "s",
            suggestion: text,
          })
          .then((thread) => thread.comments[0]?.id ?? 0);
      const first = await suggest(0, 2, "two\n");
      const second = await suggest(1, 8, "eight\n");

      const answers = await Promise.all([apply(board.id, [first]), apply(board.id, [second])]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers.map((a) => a.body.number).sort()).toEqual([2, 3]);
      expect(await revisionNumbers(board.id)).toEqual([1, 2, 3]);
      const latest = await server.client().review.revision(board.id, 3);
      expect(latest.files[0]?.content).toBe(
        numbered(10).replace("line 2\n", "two\n").replace("line 8\n", "eight\n"),
      );
      // Each thread was carried through the other's revision, then applied.
      const threads = await server.client().review.threads(board.id);
      expect(threads.map((t) => [t.state, t.comments[0]?.appliedRevision !== null])).toEqual([
        ["RESOLVED", true],
        ["RESOLVED", true],
      ]);
    }
    for (const reviewer of reviewers) {
      expect((await server.client().users.points(reviewer.user.id)).balance).toBe(5 * 20);
    }
  });

  it("numbers concurrent edits of the files 2…N+1, each revision holding its own change", async () => {
    const board = await author.client.boards.create({
      title: "edits",
      contents: "c",
      files: [app("start\n")],
    });
    const edits = Array.from({ length: 8 }, (_, i) =>
      raw(
        server,
        "PATCH",
        `/api/v1/boards/${board.id}`,
        bearer(author.session.accessToken, json({ files: [app(`edit ${i}\n`)], message: `edit ${i}` })),
      ),
    );
    const answers = await Promise.all(edits);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(await revisionNumbers(board.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const contents = new Set<string>();
    for (let n = 2; n <= 9; n++) {
      const revision = await server.client().review.revision(board.id, n);
      expect(revision.files[0]?.content).toBe(`${revision.message}\n`);
      contents.add(revision.message ?? "");
    }
    expect(contents.size).toBe(8);
    expect((await server.client().boards.get(board.id)).revision).toBe(9);
  });

  it("keeps a thread's anchor exact when it is written while revisions are made", async () => {
    const board = await author.client.boards.create({
      title: "anchors",
      contents: "c",
      files: [app(numbered(30))],
    });
    // The edits one after another (each inserting a line at the top), the threads meanwhile.
    let content = numbered(30);
    let edits: Promise<unknown> = Promise.resolve();
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      content = `inserted ${i}\n${content}`;
      const files = [app(content)];
      edits = edits.then(() => author.client.boards.update(board.id, { files }));
      work.push(
        reviewers[0].client.review.startThread(board.id, {
          revision: 1,
          path: "app.py",
          startLine: 20,
          endLine: 21,
          body: `thread ${i}`,
        }),
      );
    }
    await Promise.all([edits, ...work]);
    // Six lines were inserted above line 20 of revision 1, whenever each thread was written.
    const threads = await server.client().review.threads(board.id);
    expect(threads).toHaveLength(6);
    for (const thread of threads) expect(thread.current).toEqual({ revision: 7, startLine: 26, endLine: 27 });
  });
});
