import type { Notification } from "@codechef/contract";
import { NotFoundError, PermissionDeniedError } from "@codechef/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachBackend } from "./support/backends.ts";
import { raw, signedInAdmin, signedInUser } from "./support/factories.ts";
import { eventually } from "./support/realtime.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

describeEachBackend("notifications", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  it("delivers an announcement live and stores it for every user", async () => {
    const admin = await signedInAdmin(server);
    const online = await signedInUser(server);
    const offline = await signedInUser(server);
    const live: Notification[] = [];
    await online.client.realtime.subscribeNotifications((n) => live.push(n));

    const announced = await admin.client.admin.announcements.create({
      title: "Maintenance",
      body: "at noon",
    });
    expect(announced).toMatchObject({
      type: "ANNOUNCEMENT",
      payload: { title: "Maintenance", body: "at noon" },
    });

    await eventually(
      () => live.length,
      (n) => n === 1,
    );
    expect(live[0]).toEqual(announced);
    for (const user of [online, offline]) {
      const { items, nextCursor } = await user.client.notifications.list();
      expect(items).toEqual([announced]);
      expect(nextCursor).toBeNull();
      expect(await user.client.notifications.unreadCount()).toEqual({ count: 1 });
    }
    await online.client.realtime.disconnect();
  });

  it("marks one read, then all, per user; lists unread only and pages by cursor", async () => {
    const admin = await signedInAdmin(server);
    const reader = await signedInUser(server);
    const other = await signedInUser(server);
    const made = [];
    for (const title of ["one", "two", "three"]) {
      made.push(await admin.client.admin.announcements.create({ title, body: "." }));
    }
    const [first, second, third] = made as [Notification, Notification, Notification];

    const read = await reader.client.notifications.read(second.id);
    expect(read.readAt).not.toBeNull();
    expect((await reader.client.notifications.read(second.id)).readAt).toBe(read.readAt);
    expect(await reader.client.notifications.unreadCount()).toEqual({ count: 2 });
    expect(await other.client.notifications.unreadCount()).toEqual({ count: 3 });
    const unread = await reader.client.notifications.list({ unread: true });
    expect(unread.items.map((n) => n.id)).toEqual([third.id, first.id]);

    const page = await reader.client.notifications.list({ limit: 2 });
    expect(page.items.map((n) => n.id)).toEqual([third.id, second.id]);
    const rest = await reader.client.notifications.list({ limit: 2, cursor: page.nextCursor ?? "" });
    expect(rest.items.map((n) => n.id)).toEqual([first.id]);
    expect(rest.nextCursor).toBeNull();
    const exactlyFull = await reader.client.notifications.list({ limit: 3 });
    expect(exactlyFull.items.map((n) => n.id)).toEqual([third.id, second.id, first.id]);
    expect(exactlyFull.nextCursor).toBeNull();
    const fullLast = await reader.client.notifications.list({ limit: 1, cursor: String(second.id) });
    expect(fullLast.items.map((n) => n.id)).toEqual([first.id]);
    expect(fullLast.nextCursor).toBeNull();

    await reader.client.notifications.readAll();
    expect(await reader.client.notifications.unreadCount()).toEqual({ count: 0 });
    expect(await other.client.notifications.unreadCount()).toEqual({ count: 3 });
  });

  it("stores a user's own notification in the caller's transaction and delivers it to that user only", async () => {
    const target = await signedInUser(server);
    const bystander = await signedInUser(server);
    const forTarget: Notification[] = [];
    const forBystander: Notification[] = [];
    await target.client.realtime.subscribeNotifications((n) => forTarget.push(n));
    await bystander.client.realtime.subscribeNotifications((n) => forBystander.push(n));

    const { notifications } = server.container.services;
    await expect(
      server.container.database.transaction(async (tx) => {
        await notifications.notify(tx, target.user.id, "COMMENT", { boardId: 1 });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    const stored = await server.container.database.transaction((tx) =>
      notifications.notify(tx, target.user.id, "COMMENT", { boardId: 2 }),
    );

    await eventually(
      () => forTarget.length,
      (n) => n === 1,
    );
    expect(forTarget).toEqual([stored]);
    expect((await target.client.notifications.list()).items).toEqual([stored]);
    expect(forBystander).toEqual([]);
    await expect(bystander.client.notifications.read(stored.id)).rejects.toBeInstanceOf(NotFoundError);
    await target.client.realtime.disconnect();
    await bystander.client.realtime.disconnect();
  });

  it("delivers a message the bus repeats (at least once) only once", async () => {
    const user = await signedInUser(server);
    const live: Notification[] = [];
    await user.client.realtime.subscribeNotifications((n) => live.push(n));
    const notification = {
      id: 424242,
      type: "TEST",
      payload: {},
      readAt: null,
      createdAt: new Date().toISOString(),
    };
    const message = { id: "repeated-message", body: { userId: user.user.id, notification } };
    await server.container.bus.publish("notification", message);
    await server.container.bus.publish("notification", message);
    const last = { ...notification, id: 424243 };
    await server.container.bus.publish("notification", {
      id: "another-message",
      body: { userId: user.user.id, notification: last },
    });
    // The bus keeps order: once the last one is here, a repeat would have arrived before it.
    await eventually(
      () => live.at(-1)?.id,
      (id) => id === last.id,
    );
    expect(live).toEqual([notification, last]);
    await user.client.realtime.disconnect();
  });

  it("notifies a board's author of a comment by someone else, live and stored", async () => {
    const author = await signedInUser(server);
    const commenter = await signedInUser(server);
    const live: Notification[] = [];
    await author.client.realtime.subscribeNotifications((n) => live.push(n));
    const board = await author.client.boards.create({
      title: "How do I lock?",
      contents: "pessimistic or not",
    });

    await author.client.comments.create(board.id, { contents: "answering myself" });
    const comment = await commenter.client.comments.create(board.id, { contents: "use an atomic update" });

    await eventually(
      () => live.length,
      (n) => n === 1,
    );
    expect(live[0]).toMatchObject({
      type: "COMMENT",
      payload: { boardId: board.id, commentId: comment.id, author: { id: commenter.user.id } },
      readAt: null,
    });
    expect((await author.client.notifications.list()).items).toEqual(live);
    expect(await commenter.client.notifications.unreadCount()).toEqual({ count: 0 });
    await author.client.realtime.disconnect();
  });

  it("keeps announcements for admins and rejects bad input", async () => {
    const user = await signedInUser(server);
    await expect(user.client.admin.announcements.create({ title: "x", body: "y" })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    const admin = await signedInAdmin(server);
    const headers = {
      authorization: `Bearer ${admin.session.accessToken}`,
      "content-type": "application/json",
    };
    const empty = await raw(server, "POST", "/api/v1/admin/announcements", {
      headers,
      body: JSON.stringify({ title: "", body: "" }),
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      "body.title",
      "body.body",
    ]);
    const badUnread = await raw(server, "GET", "/api/v1/notifications?unread=maybe", { headers });
    expect(badUnread.status).toBe(400);
    expect(badUnread.body.error.details[0].path).toBe("query.unread");
    const badCursor = await raw(server, "GET", "/api/v1/notifications?cursor=abc", { headers });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details[0].path).toBe("query.cursor");
  });
});
