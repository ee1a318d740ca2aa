import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, detailPaths, json } from "./support/community.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("categories", (backend) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    admin = await signedInAdmin(server);
  });
  afterAll(() => server?.stop());

  it("lets admins create, list by type, rename and delete categories; anyone reads them", async () => {
    const ts = await admin.client.categories.create({ type: "LANGUAGE", name: "TypeScript" });
    const react = await admin.client.categories.create({ type: "FRAMEWORK", name: "React" });
    expect(ts).toEqual({ id: expect.any(Number), type: "LANGUAGE", name: "TypeScript" });

    const anonymous = server.client();
    const languages = await anonymous.categories.list({ type: "LANGUAGE" });
    expect(languages.map((c) => c.id)).toContain(ts.id);
    expect(languages.every((c) => c.type === "LANGUAGE")).toBe(true);
    expect((await anonymous.categories.list()).map((c) => c.id)).toEqual(
      expect.arrayContaining([ts.id, react.id]),
    );

    expect(await admin.client.categories.update(ts.id, { name: "TS" })).toEqual({ ...ts, name: "TS" });
    await admin.client.categories.delete(react.id);
    expect((await anonymous.categories.list()).map((c) => c.id)).not.toContain(react.id);
    await expect(admin.client.categories.delete(react.id)).rejects.toMatchObject({ status: 404 });
  });

  it("keeps names unique per type: 409 CATEGORY_EXISTS, while another type may share the name", async () => {
    await admin.client.categories.create({ type: "FRAMEWORK", name: "Spring" });
    await expect(admin.client.categories.create({ type: "FRAMEWORK", name: "Spring" })).rejects.toMatchObject(
      {
        status: 409,
        code: "CATEGORY_EXISTS",
      },
    );
    await expect(admin.client.categories.create({ type: "FRAMEWORK", name: "SPRING" })).rejects.toMatchObject(
      {
        status: 409,
        code: "CATEGORY_EXISTS",
      },
    );
    const other = await admin.client.categories.create({ type: "LANGUAGE", name: "Spring" });
    await expect(admin.client.categories.update(other.id, { type: "FRAMEWORK" })).rejects.toMatchObject({
      status: 409,
      code: "CATEGORY_EXISTS",
    });
  });

  it("refuses to delete a category a board carries (409 CATEGORY_IN_USE) but drops users' choices of it", async () => {
    const used = await admin.client.categories.create({ type: "LANGUAGE", name: "Kotlin" });
    const chosen = await admin.client.categories.create({ type: "LANGUAGE", name: "Go" });
    const { client } = await signedInUser(server);
    const board = await client.boards.create({ title: "t", contents: "c", categoryIds: [used.id] });
    await client.users.setCategories({ categoryIds: [chosen.id] });

    await expect(admin.client.categories.delete(used.id)).rejects.toMatchObject({
      status: 409,
      code: "CATEGORY_IN_USE",
    });
    await admin.client.categories.delete(chosen.id);
    expect(await client.users.setCategories({ categoryIds: [] })).toEqual([]);

    await client.boards.delete(board.id);
    await admin.client.categories.delete(used.id);
  });

  it("shows a renamed category on boards whose detail was cached", async () => {
    const category = await admin.client.categories.create({ type: "FRAMEWORK", name: "Vue" });
    const { client } = await signedInUser(server);
    const board = await client.boards.create({ title: "t", contents: "c", categoryIds: [category.id] });
    await client.boards.get(board.id);
    await admin.client.categories.update(category.id, { name: "Vue.js" });
    expect((await client.boards.get(board.id)).categories).toEqual([{ ...category, name: "Vue.js" }]);
  });

  it("sets a user's frameworks and languages and answers them", async () => {
    const a = await admin.client.categories.create({ type: "FRAMEWORK", name: "Django" });
    const b = await admin.client.categories.create({ type: "LANGUAGE", name: "Python" });
    const { client, session } = await signedInUser(server);
    const chosen = await client.users.setCategories({ categoryIds: [b.id, a.id, a.id] });
    expect(chosen.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    expect(await client.users.setCategories({ categoryIds: [b.id] })).toEqual([b]);

    const unknown = await raw(
      server,
      "PUT",
      "/api/v1/users/me/categories",
      bearer(session.accessToken, json({ categoryIds: [b.id, 999_999] })),
    );
    expect(unknown.status).toBe(400);
    expect(detailPaths(unknown.body.error)).toEqual(["body.categoryIds"]);
    expect(unknown.body.error.details[0].message).toContain("999999");
    const malformed = await raw(
      server,
      "PUT",
      "/api/v1/users/me/categories",
      bearer(session.accessToken, json({ categoryIds: ["x", -1] })),
    );
    expect(detailPaths(malformed.body.error)).toEqual(["body.categoryIds.0", "body.categoryIds.1"]);
    expect((await raw(server, "PUT", "/api/v1/users/me/categories", json({ categoryIds: [] }))).status).toBe(
      401,
    );
  });

  it("keeps categories admin-only to change and names each bad field", async () => {
    const { client } = await signedInUser(server);
    await expect(client.categories.create({ type: "LANGUAGE", name: "Rust" })).rejects.toMatchObject({
      status: 403,
    });
    const invalid = await raw(
      server,
      "POST",
      "/api/v1/categories",
      bearer(admin.session.accessToken, json({ type: "DATABASE", name: "" })),
    );
    expect(invalid.status).toBe(400);
    expect(detailPaths(invalid.body.error)).toEqual(["body.name", "body.type"]);
    const badType = await raw(server, "GET", "/api/v1/categories?type=OTHER");
    expect(detailPaths(badType.body.error)).toEqual(["query.type"]);
    const missing = await raw(
      server,
      "PATCH",
      "/api/v1/categories/999999",
      bearer(admin.session.accessToken, json({ name: "x" })),
    );
    expect(missing.status).toBe(404);
  });
});
