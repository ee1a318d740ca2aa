import type { Comment } from "@codechef/contract";
import { afterAll, beforeAll, expect, it } from "vitest";
import { FirstPerHour } from "../src/db/first-per-hour.ts";
import { BoardRepository } from "../src/modules/boards/repository.ts";
import { CategoryRepository } from "../src/modules/categories/repository.ts";
import { CommentRepository } from "../src/modules/comments/repository.ts";
import { CommentService } from "../src/modules/comments/service.ts";
import { ReviewRepository } from "../src/modules/review/repository.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, detailPaths, json } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("comments and adoption", (backend) => {
  let server: TestServer;
  let asker: Awaited<ReturnType<typeof signedInUser>>;
  let reviewer: Awaited<ReturnType<typeof signedInUser>>;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    [asker, reviewer, admin] = await Promise.all([
      signedInUser(server),
      signedInUser(server),
      signedInAdmin(server),
    ]);
  });
  afterAll(() => server?.stop());

  const newBoard = () => asker.client.boards.create({ title: "please review", contents: "code" });

  it("lists comments oldest first, edits and deletes them", async () => {
    const board = await newBoard();
    const first = await reviewer.client.comments.create(board.id, { contents: "looks fine" });
    const second = await asker.client.comments.create(board.id, { contents: "thanks" });
    expect(first).toEqual({
      id: expect.any(Number),
      boardId: board.id,
      author: { id: reviewer.user.id, nickname: reviewer.user.nickname },
      contents: "looks fine",
      adopted: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const page = await server.client().comments.list(board.id);
    expect(page).toMatchObject({ page: 1, size: 20, total: 2 });
    expect(page.items.map((c) => c.id)).toEqual([first.id, second.id]);

    const edited = await reviewer.client.comments.update(first.id, { contents: "looks great" });
    expect(edited).toMatchObject({ id: first.id, contents: "looks great" });
    await asker.client.comments.delete(second.id);
    const all: Comment[] = [];
    for await (const comment of server.client().comments.list(board.id, { size: 1 })) all.push(comment);
    expect(all.map((c) => [c.id, c.contents])).toEqual([[first.id, "looks great"]]);
    expect((await server.client().boards.get(board.id)).adoptedComment).toBeNull();
  });

  it("lets the author or an admin edit and delete a comment (others 403)", async () => {
    const board = await newBoard();
    const comment = await reviewer.client.comments.create(board.id, { contents: "mine" });
    await expect(asker.client.comments.update(comment.id, { contents: "x" })).rejects.toMatchObject({
      status: 403,
    });
    await expect(asker.client.comments.delete(comment.id)).rejects.toMatchObject({ status: 403 });
    expect((await admin.client.comments.update(comment.id, { contents: "moderated" })).contents).toBe(
      "moderated",
    );
    await admin.client.comments.delete(comment.id);
    await expect(reviewer.client.comments.update(comment.id, { contents: "x" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(reviewer.client.comments.delete(comment.id)).rejects.toMatchObject({ status: 404 });
  });

  it("adopts one comment per board: the author only, not their own, once; the commenter earns the points", async () => {
    const board = await newBoard();
    const answer = await reviewer.client.comments.create(board.id, { contents: "use a map" });
    const another = await reviewer.client.comments.create(board.id, { contents: "or a set" });
    const own = await asker.client.comments.create(board.id, { contents: "my own idea" });
    const balanceBefore = (await server.client().users.points(reviewer.user.id)).balance;

    await expect(reviewer.client.comments.adopt(answer.id)).rejects.toMatchObject({ status: 403 });
    await expect(admin.client.comments.adopt(answer.id)).rejects.toMatchObject({ status: 403 });
    await expect(asker.client.comments.adopt(own.id)).rejects.toMatchObject({
      status: 400,
      code: "CANNOT_ADOPT_OWN",
    });

    const adopted = await asker.client.comments.adopt(answer.id);
    expect(adopted).toMatchObject({ id: answer.id, adopted: true, contents: "use a map" });
    await expect(asker.client.comments.adopt(another.id)).rejects.toMatchObject({
      status: 409,
      code: "ALREADY_ADOPTED",
    });
    await expect(asker.client.comments.adopt(answer.id)).rejects.toMatchObject({ status: 409 });

    const detail = await server.client().boards.get(board.id);
    expect(detail.adoptedComment).toEqual(adopted);
    expect((await server.client().boards.list({ authorId: asker.user.id })).items).toContainEqual(
      expect.objectContaining({ id: board.id, adopted: true }),
    );
    const points = await server.client().users.points(reviewer.user.id);
    expect(points.balance).toBe(balanceBefore + 50);
    expect(points.items[0]).toMatchObject({
      userId: reviewer.user.id,
      delta: 50,
      reason: "ADOPTED_COMMENT",
      reference: `comment:${answer.id}`,
      balanceAfter: balanceBefore + 50,
    });

    for (const client of [reviewer.client, admin.client]) {
      await expect(client.comments.delete(answer.id)).rejects.toMatchObject({
        status: 409,
        code: "COMMENT_ADOPTED",
      });
    }
    await expect(reviewer.client.comments.update(answer.id, { contents: "edited" })).rejects.toMatchObject({
      status: 409,
      code: "COMMENT_ADOPTED",
    });
    await expect(asker.client.comments.adopt(999_999)).rejects.toMatchObject({ status: 404 });
  });

  it("runs onCommentCreated inside the comment's transaction: a failing hook stores no comment", async () => {
    const database = server.container.database;
    const seen: number[] = [];
    let fail = false;
    const service = new CommentService({
      database,
      comments: new CommentRepository(database.db),
      boards: new BoardRepository(
        database,
        new CategoryRepository(database.db),
        new CommentRepository(database.db),
        new FirstPerHour(database, "board_viewers", 0, () => {}),
        new ReviewRepository(database),
      ),
      onCommentCreated: async (tx, comment) => {
        const row = await tx
          .selectFrom("comments")
          .select("id")
          .where("id", "=", comment.id)
          .executeTakeFirst();
        if (row) seen.push(row.id);
        if (fail) throw new Error("hook failed");
      },
    });
    const author = await database.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", reviewer.user.id)
      .executeTakeFirstOrThrow();
    const board = await newBoard();
    const comment = await service.create(author, board.id, "hooked");
    expect(seen).toEqual([comment.id]);
    fail = true;
    await expect(service.create(author, board.id, "rolled back")).rejects.toThrow("hook failed");
    const stored = await server.client().comments.list(board.id);
    expect(stored.items.map((c) => c.contents)).toEqual(["hooked"]);
    await expect(service.create(author, 999_999, "nowhere")).rejects.toMatchObject({ status: 404 });
  });

  it("names bad fields and answers 404 for unknown boards and comments, 401 without a token", async () => {
    const board = await newBoard();
    const token = reviewer.session.accessToken;
    for (const contents of ["", "x".repeat(10_001), 5]) {
      const invalid = await raw(
        server,
        "POST",
        `/api/v1/boards/${board.id}/comments`,
        bearer(token, json({ contents })),
      );
      expect(invalid.status).toBe(400);
      expect(detailPaths(invalid.body.error)).toEqual(["body.contents"]);
    }
    expect(
      (await raw(server, "POST", "/api/v1/boards/999999/comments", bearer(token, json({ contents: "x" }))))
        .status,
    ).toBe(404);
    expect((await raw(server, "GET", "/api/v1/boards/999999/comments")).status).toBe(404);
    expect((await raw(server, "GET", `/api/v1/boards/${board.id}/comments?size=101`)).status).toBe(400);
    expect(
      (await raw(server, "PATCH", "/api/v1/comments/999999", bearer(token, json({ contents: "x" })))).status,
    ).toBe(404);
    expect(
      (await raw(server, "POST", `/api/v1/boards/${board.id}/comments`, json({ contents: "x" }))).status,
    ).toBe(401);
  });
});
