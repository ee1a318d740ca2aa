import { afterAll, beforeAll, expect, it } from "vitest";
import { RefreshTokens } from "../src/modules/auth/refresh-tokens.ts";
import { Revocations } from "../src/modules/auth/revocations.ts";
import { ModerationRepository } from "../src/modules/moderation/repository.ts";
import { ModerationService } from "../src/modules/moderation/service.ts";
import { describeEachBackend } from "./support/backends.ts";
import { bearer, detailPaths, json } from "./support/community.ts";
import { PASSWORD, raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("moderation", (backend) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signedInAdmin>>;
  beforeAll(async () => {
    server = await startTestServer(backend);
    admin = await signedInAdmin(server);
  });
  afterAll(() => server?.stop());

  const blocked = { status: 403, code: "ACCOUNT_BLOCKED" };

  it("blocks at the third warning: no login, no posting, commenting or adopting, no refresh; unblock restores", async () => {
    const offender = await signedInUser(server);
    const helper = await signedInUser(server);
    const board = await offender.client.boards.create({ title: "mine", contents: "c" });
    const answer = await helper.client.comments.create(board.id, { contents: "answer" });

    const first = await admin.client.admin.users.warn(offender.user.id, { reason: "ads" });
    expect(first).toMatchObject({
      userId: offender.user.id,
      issuedBy: admin.user.id,
      reason: "ads",
      warningCount: 1,
      user: { id: offender.user.id, status: "ACTIVE" },
    });
    await admin.client.admin.users.warn(offender.user.id, { reason: "ads again" });
    await offender.client.comments.create(board.id, { contents: "still allowed" });
    const third = await admin.client.admin.users.warn(offender.user.id, { reason: "off-topic" });
    expect(third).toMatchObject({ warningCount: 3, user: { status: "BLOCKED" } });

    await expect(offender.client.boards.create({ title: "t", contents: "c" })).rejects.toMatchObject(blocked);
    await expect(offender.client.comments.create(board.id, { contents: "c" })).rejects.toMatchObject(blocked);
    await expect(offender.client.comments.adopt(answer.id)).rejects.toMatchObject(blocked);
    await expect(offender.client.auth.refresh()).rejects.toMatchObject({ status: 401 });
    await expect(
      server.client().auth.login({ email: offender.signup.email, password: PASSWORD }),
    ).rejects.toMatchObject(blocked);
    const revoked = await server.container.database.db
      .selectFrom("refresh_tokens")
      .select("revoked_at")
      .where("user_id", "=", offender.user.id)
      .execute();
    expect(revoked.every((row) => row.revoked_at !== null)).toBe(true);
    const stored = await server.container.database.db
      .selectFrom("warnings")
      .select("reason")
      .where("user_id", "=", offender.user.id)
      .orderBy("id")
      .execute();
    expect(stored.map((w) => w.reason)).toEqual(["ads", "ads again", "off-topic"]);

    const unblocked = await admin.client.admin.users.unblock(offender.user.id);
    expect(unblocked).toMatchObject({ id: offender.user.id, status: "ACTIVE" });
    await offender.client.auth.login({ email: offender.signup.email, password: PASSWORD });
    expect(await offender.client.comments.adopt(answer.id)).toMatchObject({ adopted: true });
    // The count starts over: one warning does not block again.
    const after = await admin.client.admin.users.warn(offender.user.id, { reason: "new start" });
    expect(after).toMatchObject({ warningCount: 1, user: { status: "ACTIVE" } });
  });

  it("calls onUserBlocked once, in the blocking warning's transaction", async () => {
    const { user } = await signedInUser(server);
    const database = server.container.database;
    const calls: Array<{ userId: number; status: string }> = [];
    const service = new ModerationService({
      database,
      moderation: new ModerationRepository(database.db),
      refreshTokens: new RefreshTokens(
        database,
        60,
        new Revocations(database.db, server.container.cache, 60),
      ),
      warningThreshold: 2,
      onUserBlocked: async (tx, userId) => {
        const row = await tx
          .selectFrom("users")
          .select("status")
          .where("id", "=", userId)
          .executeTakeFirstOrThrow();
        calls.push({ userId, status: row.status });
      },
    });
    const adminRow = await database.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", admin.user.id)
      .executeTakeFirstOrThrow();
    await service.warn(adminRow, user.id, "one");
    expect(calls).toEqual([]);
    await service.warn(adminRow, user.id, "two");
    expect(calls).toEqual([{ userId: user.id, status: "BLOCKED" }]);
    await service.warn(adminRow, user.id, "three");
    expect(calls).toHaveLength(1);
  });

  it("keeps moderation admin-only, names bad fields and answers 404 for unknown users", async () => {
    const { client, user } = await signedInUser(server);
    await expect(client.admin.users.warn(user.id, { reason: "self" })).rejects.toMatchObject({ status: 403 });
    await expect(client.admin.users.unblock(user.id)).rejects.toMatchObject({ status: 403 });
    const invalid = await raw(
      server,
      "POST",
      `/api/v1/admin/users/${user.id}/warnings`,
      bearer(admin.session.accessToken, json({ reason: " " })),
    );
    expect(invalid.status).toBe(400);
    expect(detailPaths(invalid.body.error)).toEqual(["body.reason"]);
    await expect(admin.client.admin.users.warn(999_999, { reason: "x" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(admin.client.admin.users.unblock(999_999)).rejects.toMatchObject({ status: 404 });
  });

  it("refuses to warn an admin, itself included, so moderation cannot lock every admin out", async () => {
    for (let i = 0; i < 3; i++) {
      await expect(admin.client.admin.users.warn(admin.user.id, { reason: "oops" })).rejects.toMatchObject({
        status: 403,
        code: "FORBIDDEN",
      });
    }
    expect((await admin.client.users.me()).status).toBe("ACTIVE");
  });
});
