import type { Category } from "@codechef/contract";
import { afterAll, beforeAll, expect, it } from "vitest";
import { FirstPerHour } from "../src/db/first-per-hour.ts";
import type { BoardContent } from "../src/modules/boards/presenter.ts";
import { BoardRepository } from "../src/modules/boards/repository.ts";
import { CategoryRepository } from "../src/modules/categories/repository.ts";
import { CommentRepository } from "../src/modules/comments/repository.ts";
import { ReviewRepository } from "../src/modules/review/repository.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, detailPaths, json, manyUsers } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const HOUR_MS = 3_600_000;

describeEachBackend("boards", (backend) => {
  let server: TestServer;
  let author: Awaited<ReturnType<typeof signedInUser>>;
  let other: Awaited<ReturnType<typeof signedInUser>>;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  let java: Category;
  let spring: Category;
  beforeAll(async () => {
    server = await startTestServer(backend);
    [author, other, admin] = await Promise.all([
      signedInUser(server),
      signedInUser(server),
      signedInAdmin(server),
    ]);
    java = await admin.client.categories.create({ type: "LANGUAGE", name: "Java" });
    spring = await admin.client.categories.create({ type: "FRAMEWORK", name: "Spring" });
  });
  afterAll(() => server?.stop());

  const versionInDb = async (id: number) =>
    Number(
      (
        await server.container.database.db
          .selectFrom("boards")
          .select("version")
          .where("id", "=", id)
          .executeTakeFirstOrThrow()
      ).version,
    );

  it("posts, reads, edits and deletes a board", async () => {
    const created = await author.client.boards.create({
      title: " Review my service layer ",
      contents: "class A {}",
      categoryIds: [spring.id, java.id],
    });
    expect(created).toMatchObject({
      title: "Review my service layer",
      contents: "class A {}",
      author: { id: author.user.id, nickname: author.user.nickname },
      viewCount: 0,
      adoptedComment: null,
    });
    expect(created.categories.map((c) => c.id).sort()).toEqual([java.id, spring.id].sort());
    expect(created).not.toHaveProperty("comments");

    const anonymous = server.client();
    expect(await anonymous.boards.get(created.id)).toEqual({ ...created, viewCount: 1 });
    expect((await author.client.boards.get(created.id)).viewCount).toBe(2);

    const edited = await author.client.boards.update(created.id, {
      title: "Renamed",
      categoryIds: [java.id],
    });
    expect(edited).toMatchObject({
      title: "Renamed",
      contents: "class A {}",
      categories: [java],
      viewCount: 2,
    });

    await author.client.boards.delete(created.id);
    await expect(anonymous.boards.get(created.id)).rejects.toMatchObject({ status: 404, code: "NOT_FOUND" });
    await expect(author.client.boards.update(created.id, { title: "x" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(author.client.boards.delete(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(anonymous.comments.list(created.id)).rejects.toMatchObject({ status: 404 });
    expect((await anonymous.boards.list({ authorId: author.user.id })).items.map((b) => b.id)).not.toContain(
      created.id,
    );
  });

  it("lists boards newest or most viewed first, filtered by category and author, page by page", async () => {
    const { client, user } = await signedInUser(server);
    const first = await client.boards.create({ title: "first", contents: "c", categoryIds: [java.id] });
    const second = await client.boards.create({ title: "second", contents: "c" });
    const third = await client.boards.create({ title: "third", contents: "c", categoryIds: [java.id] });
    for (const viewer of await manyUsers(server, 3)) await viewer.client.boards.get(second.id);
    await client.boards.get(first.id);

    const latest = await client.boards.list({ authorId: user.id });
    expect(latest).toMatchObject({ page: 1, size: 20, total: 3 });
    expect(latest.items.map((b) => b.id)).toEqual([third.id, second.id, first.id]);
    expect(latest.items[0]).not.toHaveProperty("contents");
    expect(latest.items[0]).toMatchObject({ adopted: false, categories: [java], author: { id: user.id } });

    const byViews = await client.boards.list({ authorId: user.id, sort: "views" });
    expect(byViews.items.map((b) => [b.id, b.viewCount])).toEqual([
      [second.id, 3],
      [first.id, 1],
      [third.id, 0],
    ]);
    const inJava = await client.boards.list({ authorId: user.id, categoryId: java.id });
    expect(inJava.items.map((b) => b.id)).toEqual([third.id, first.id]);
    expect(inJava.total).toBe(2);

    const paged = [];
    for await (const board of client.boards.list({ authorId: user.id, size: 2 })) paged.push(board.id);
    expect(paged).toEqual([third.id, second.id, first.id]);
  });

  it("counts each viewer's read once per hour, on the board and in the hour's views", async () => {
    const board = await author.client.boards.create({ title: "t", contents: "c" });
    const before = Date.now();
    const counts = [];
    for (const viewer of await manyUsers(server, 5)) {
      counts.push((await viewer.client.boards.get(board.id)).viewCount);
      counts.push((await viewer.client.boards.get(board.id)).viewCount);
    }
    // Anonymous readers count by address: every read here comes from 127.0.0.1.
    for (let i = 0; i < 3; i++) counts.push((await server.client().boards.get(board.id)).viewCount);
    expect(counts).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6]);
    const hours = await server.container.database.db
      .selectFrom("board_views_hourly")
      .selectAll()
      .where("board_id", "=", board.id)
      .execute();
    expect(hours.reduce((sum, row) => sum + Number(row.views), 0)).toBe(6);
    for (const row of hours) {
      expect(Number(row.hour_start_ms) % HOUR_MS).toBe(0);
      expect(Number(row.hour_start_ms)).toBeGreaterThan(before - HOUR_MS);
    }
  });

  it("counts a viewer again in the next hour, and prunes the viewers of past hours", async () => {
    const board = await author.client.boards.create({ title: "hourly", contents: "c" });
    const { database } = server.container;
    const viewers = new FirstPerHour(database, "board_viewers", 0, () => {});
    const repository = new BoardRepository(
      database,
      new CategoryRepository(database.db),
      new CommentRepository(database.db),
      viewers,
      new ReviewRepository(database),
    );
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 10 * HOUR_MS;
    const counts = [];
    for (const at of [hour, hour + 1000, hour + HOUR_MS, hour + HOUR_MS + 1000])
      counts.push((await repository.countViews(board.id, ["a:198.51.100.7"], at))?.viewCount);
    expect(counts).toEqual([1, 1, 2, 2]);
    expect(await repository.countViews(board.id + 1000, ["a:198.51.100.7"], hour)).toBeUndefined();
    await viewers.prune(hour + HOUR_MS);
    const kept = await database.db
      .selectFrom("board_viewers")
      .select("hour_start_ms")
      .where("board_id", "=", board.id)
      .execute();
    expect(kept.map((row) => Number(row.hour_start_ms))).toEqual([hour + HOUR_MS]);
  });

  it("shows the new version right after an update returns and 404 right after a delete returns", async () => {
    const board = await author.client.boards.create({ title: "v1", contents: "c" });
    for (let version = 2; version <= 5; version++) {
      await server.client().boards.get(board.id);
      await author.client.boards.update(board.id, { title: `v${version}` });
      expect((await server.client().boards.get(board.id)).title).toBe(`v${version}`);
    }
    const cached = await server.container.cache.getVersioned<BoardContent>(`board:${board.id}`);
    expect(cached).toMatchObject({ version: await versionInDb(board.id), value: { title: "v5" } });
    await author.client.boards.delete(board.id);
    await expect(server.client().boards.get(board.id)).rejects.toMatchObject({ status: 404 });
  });

  it("never serves a cached version older than the database's, even if a slow reader stored it", async () => {
    const board = await author.client.boards.create({ title: "old", contents: "c" });
    const oldVersion = await versionInDb(board.id);
    const { viewCount: _, ...oldContent } = await server.client().boards.get(board.id);
    await author.client.boards.update(board.id, { title: "new" });

    const cache = server.container.cache;
    const key = `board:${board.id}`;
    // The slow reader's write arrives after the writer's: the cache refuses it.
    expect(await cache.setVersioned(key, oldVersion, oldContent, 60)).toBe(false);
    expect((await server.client().boards.get(board.id)).title).toBe("new");
    // Even an old entry that got in (the newer one evicted first) is never served: reads check the version.
    await cache.delete(key);
    expect(await cache.setVersioned(key, oldVersion, oldContent, 60)).toBe(true);
    const read = await server.client().boards.get(board.id);
    expect(read.title).toBe("new");
    expect(read.viewCount).toBe(1);
  });

  it("shows a changed nickname on cached boards, as author and as adopted answer's author", async () => {
    const asker = await signedInUser(server);
    const helper = await signedInUser(server);
    const board = await asker.client.boards.create({ title: "t", contents: "c" });
    const answer = await helper.client.comments.create(board.id, { contents: "answer" });
    await asker.client.comments.adopt(answer.id);
    await server.client().boards.get(board.id);

    await asker.client.users.updateMe({ nickname: "asker-renamed" });
    expect((await server.client().boards.get(board.id)).author.nickname).toBe("asker-renamed");
    await helper.client.users.updateMe({ nickname: "helper-renamed" });
    expect((await server.client().boards.get(board.id)).adoptedComment?.author.nickname).toBe(
      "helper-renamed",
    );
  });

  it("lets the author or an admin edit and delete (others 403)", async () => {
    const board = await author.client.boards.create({ title: "mine", contents: "c" });
    await expect(other.client.boards.update(board.id, { title: "x" })).rejects.toMatchObject({
      status: 403,
      code: "FORBIDDEN",
    });
    await expect(other.client.boards.delete(board.id)).rejects.toMatchObject({ status: 403 });
    expect((await server.client().boards.get(board.id)).title).toBe("mine");
    expect((await admin.client.boards.update(board.id, { title: "moderated" })).title).toBe("moderated");
    await admin.client.boards.delete(board.id);
    await expect(server.client().boards.get(board.id)).rejects.toMatchObject({ status: 404 });
  });

  it("names each invalid field, refuses unknown categories and pages over 100", async () => {
    const token = author.session.accessToken;
    const invalid = await raw(
      server,
      "POST",
      "/api/v1/boards",
      bearer(token, json({ title: "  ", contents: "x".repeat(50_001), categoryIds: ["a"] })),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("INVALID_INPUT");
    expect(detailPaths(invalid.body.error)).toEqual(["body.categoryIds.0", "body.contents", "body.title"]);

    const long = await raw(server, "POST", "/api/v1/boards", bearer(token, json({ title: "x".repeat(201) })));
    expect(detailPaths(long.body.error)).toEqual(["body.contents", "body.title"]);

    const unknownCategory = await raw(
      server,
      "POST",
      "/api/v1/boards",
      bearer(token, json({ title: "t", contents: "c", categoryIds: [java.id, 987_654] })),
    );
    expect(unknownCategory.status).toBe(400);
    expect(detailPaths(unknownCategory.body.error)).toEqual(["body.categoryIds"]);

    const board = await author.client.boards.create({ title: "t", contents: "c" });
    const emptyEdit = await raw(server, "PATCH", `/api/v1/boards/${board.id}`, bearer(token, json({})));
    expect(emptyEdit.status).toBe(400);
    const unknownField = await raw(
      server,
      "PATCH",
      `/api/v1/boards/${board.id}`,
      bearer(token, json({ viewCount: 1000 })),
    );
    expect(unknownField.status).toBe(400);

    for (const size of [101, 1000]) {
      const tooBig = await raw(server, "GET", `/api/v1/boards?size=${size}`);
      expect(tooBig.status).toBe(400);
      expect(detailPaths(tooBig.body.error)).toEqual(["query.size"]);
    }
    const badQuery = await raw(server, "GET", "/api/v1/boards?page=0&sort=oldest&categoryId=x");
    expect(detailPaths(badQuery.body.error)).toEqual(["query.categoryId", "query.page", "query.sort"]);
    expect((await raw(server, "GET", "/api/v1/boards?size=100")).status).toBe(200);

    const badId = await raw(server, "GET", "/api/v1/boards/abc");
    expect(detailPaths(badId.body.error)).toEqual(["params.id"]);
    expect((await raw(server, "GET", "/api/v1/boards/999999")).status).toBe(404);
    expect((await raw(server, "POST", "/api/v1/boards", json({ title: "t", contents: "c" }))).status).toBe(
      401,
    );
  });
});
