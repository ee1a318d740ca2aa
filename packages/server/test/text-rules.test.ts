import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isReservedNickname, skeleton } from "../src/shared/nicknames.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, detailPaths, json } from "./support/community.ts";
import { buildSignup, raw, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const BAD_LINES = {
  nul: "ab\u0000cd",
  "terminal escape": "ab\u001b[31mcd",
  "line break": "ab\ncd",
  "right-to-left override": "ab\u202Ecd",
  isolate: "ab\u2067cd",
  "invisible only": "\u200B\u200B\u3164",
  "spaces only": "   ",
};

describeEachBackend("text hygiene", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  const signup = (overrides: Record<string, string>) =>
    raw(server, "POST", "/api/v1/auth/signup", json(buildSignup(overrides)));

  it("refuses nicknames and titles with control, bidirectional or only invisible characters", async () => {
    const { session } = await signedInUser(server);
    for (const [name, text] of Object.entries(BAD_LINES)) {
      const user = await signup({ nickname: text });
      expect(user.status, name).toBe(400);
      expect(new Set(detailPaths(user.body.error)), name).toEqual(new Set(["body.nickname"]));
      const board = await raw(
        server,
        "POST",
        "/api/v1/boards",
        bearer(session.accessToken, json({ title: text, contents: "c" })),
      );
      expect(board.status, name).toBe(400);
      expect(new Set(detailPaths(board.body.error)), name).toEqual(new Set(["body.title"]));
      const room = await raw(
        server,
        "POST",
        "/api/v1/chat/rooms",
        bearer(session.accessToken, json({ title: text })),
      );
      expect(room.status, name).toBe(400);
    }
    const zeroWidth = await signup({ nickname: "ali\u200Bce" });
    expect(detailPaths(zeroWidth.body.error)).toEqual(["body.nickname"]);
    // A title may hold an emoji sequence joined by zero-width joiners.
    const family = await raw(
      server,
      "POST",
      "/api/v1/boards",
      bearer(session.accessToken, json({ title: "👨‍👩‍👧 plans", contents: "c" })),
    );
    expect(family.status).toBe(201);
  });

  it("stores nicknames and titles NFC-normalised", async () => {
    const decomposed = `e\u0301mile-${Date.now() % 100000}`;
    const created = await signup({ nickname: decomposed });
    expect(created.status).toBe(201);
    expect(created.body.nickname).toBe(decomposed.normalize("NFC"));
    const { client } = await signedInUser(server);
    const board = await client.boards.create({ title: "Cafe\u0301", contents: "c" });
    expect(board.title).toBe("Café");
  });

  it("keeps nicknames unique by their confusable skeleton", async () => {
    const base = `paypal${Date.now() % 100000}`;
    expect((await signup({ nickname: base })).status).toBe(201);
    for (const lookAlike of [base, base.toUpperCase(), base.replace("a", "\u0430"), base.replace("l", "I")]) {
      const response = await signup({ nickname: lookAlike });
      expect(response.status, lookAlike).toBe(409);
      expect(response.body.error.code).toBe("NICKNAME_TAKEN");
    }
    const { client } = await signedInUser(server);
    await expect(client.users.updateMe({ nickname: base.replace("p", "\u0440") })).rejects.toMatchObject({
      status: 409,
      code: "NICKNAME_TAKEN",
    });
    // Renaming yourself to your own nickname is no conflict.
    const me = await client.users.me();
    expect((await client.users.updateMe({ nickname: me.nickname })).nickname).toBe(me.nickname);
  });

  it("refuses reserved nicknames and their look-alikes", async () => {
    const { client } = await signedInUser(server);
    for (const name of [
      "admin",
      "Admin",
      "\u0430dmin",
      "ad-min",
      "root",
      "system",
      "moderator",
      "CodeChef",
    ]) {
      const response = await signup({ nickname: name });
      expect(response.status, name).toBe(400);
      expect(detailPaths(response.body.error)).toEqual(["body.nickname"]);
      await expect(client.users.updateMe({ nickname: name })).rejects.toMatchObject({ status: 400 });
    }
  });

  it("refuses common passwords", async () => {
    for (const password of ["password", "12345678", "Password", "qwertyuiop"]) {
      const response = await signup({ password });
      expect(response.status, password).toBe(400);
      expect(detailPaths(response.body.error)).toEqual(["body.password"]);
    }
  });

  it("bounds a board's contents in bytes", async () => {
    const { session } = await signedInUser(server);
    const create = (contents: string) =>
      raw(server, "POST", "/api/v1/boards", bearer(session.accessToken, json({ title: "big", contents })));
    // 30,000 characters of three bytes each: under the character limit, over 64 KiB.
    const tooBig = await create("한".repeat(30_000));
    expect(tooBig.status).toBe(400);
    expect(detailPaths(tooBig.body.error)).toEqual(["body.contents"]);
    expect((await create("한".repeat(20_000))).status).toBe(201);
  });
});

describe("nickname skeletons", () => {
  it("maps look-alikes together and keeps different names apart", () => {
    expect(skeleton("\u0430dmin")).toBe(skeleton("admin"));
    expect(skeleton("rn")).toBe(skeleton("m"));
    expect(skeleton("ADMIN")).toBe(skeleton("admin"));
    expect(skeleton("paypaI")).toBe(skeleton("paypal"));
    expect(skeleton("alice")).not.toBe(skeleton("alicia"));
    expect(isReservedNickname("sys_tem")).toBe(true);
    expect(isReservedNickname("administrators club")).toBe(false);
  });
});
