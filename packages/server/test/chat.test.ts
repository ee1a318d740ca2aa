import type { ChatMessage } from "@codechef/contract";
import { ConflictError, NotFoundError, PermissionDeniedError, RealtimeError } from "@codechef/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { UserRow } from "../src/shared/user-row.ts";
import { describeEachBackend, describeWithServices } from "./support/backends.ts";
import { manyUsers } from "./support/community.ts";
import { raw, signedInUser } from "./support/factories.ts";
import { collector, eventually, until } from "./support/realtime.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const summary = (m: ChatMessage) => `${m.seq}:${m.type}:${m.sender?.nickname ?? "-"}:${m.content}`;

describeEachBackend("chat", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server?.stop());

  it("lets two users chat live, in order, each message stored", async () => {
    const alice = await signedInUser(server);
    const bob = await signedInUser(server);
    const room = await alice.client.chat.rooms.create({ title: "pairing" });
    expect(room).toMatchObject({ title: "pairing", host: { id: alice.user.id }, status: "OPEN", members: 1 });

    const entry = await bob.client.chat.rooms.join(room.id);
    expect(entry.room.members).toBe(2);
    expect(entry.messages.map((m) => m.type)).toEqual(["CREATE", "IN"]);

    const heardByAlice = collector();
    const heardByBob = collector();
    await alice.client.realtime.subscribeRoom(room.id, heardByAlice.push, { after: 1 });
    await bob.client.realtime.subscribeRoom(room.id, heardByBob.push, { after: entry.messages.at(-1)?.seq });

    await alice.client.realtime.send(room.id, { content: "hello bob" });
    await bob.client.realtime.send(room.id, { content: "hi alice" });

    const want = [`3:SEND:${alice.user.nickname}:hello bob`, `4:SEND:${bob.user.nickname}:hi alice`];
    await eventually(
      () => heardByBob.messages.map(summary),
      (seen) => seen.length === 2,
    );
    expect(heardByBob.messages.map(summary)).toEqual(want);
    await eventually(
      () => heardByAlice.messages.map(summary),
      (seen) => seen.length === 3,
    );
    expect(heardByAlice.messages.map(summary)).toEqual([`2:IN:${bob.user.nickname}:`, ...want]);

    const history = await bob.client.chat.rooms.messages(room.id, { after: 0 });
    expect(history.items.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(history.nextCursor).toBeNull();
    const exactlyFull = await bob.client.chat.rooms.messages(room.id, { after: 0, limit: 4 });
    expect(exactlyFull.items.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(exactlyFull.nextCursor).toBeNull();
    const firstPage = await bob.client.chat.rooms.messages(room.id, { after: 0, limit: 3 });
    expect(firstPage.nextCursor).toBe("3");
    const lastPage = await bob.client.chat.rooms.messages(room.id, { after: 3, limit: 1 });
    expect(lastPage.items.map((m) => m.seq)).toEqual([4]);
    expect(lastPage.nextCursor).toBeNull();
    const latest = await bob.client.chat.rooms.messages(room.id, { limit: 2 });
    expect(latest.items.map((m) => m.seq)).toEqual([3, 4]);
    expect(latest.nextCursor).toBeNull();

    // Relayed rows leave the outbox once the bus confirmed them.
    const outboxRows = async () =>
      Number(
        (
          await server.container.database.db
            .selectFrom("outbox")
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    await until(async () => (await outboxRows()) === 0);

    await alice.client.realtime.disconnect();
    await bob.client.realtime.disconnect();
  });

  it("enters once: a second join is 200 without a second IN", async () => {
    const host = await signedInUser(server);
    const guest = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "once" });
    await guest.client.chat.rooms.join(room.id);
    const again = await guest.client.chat.rooms.join(room.id);
    expect(again.messages.map((m) => m.type)).toEqual(["CREATE", "IN"]);
    expect(again.room.members).toBe(2);
  });

  it("passes the host to the longest-present member, and closes the room when the last one leaves", async () => {
    const host = await signedInUser(server);
    const first = await signedInUser(server);
    const second = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "handover" });
    await first.client.chat.rooms.join(room.id);
    await second.client.chat.rooms.join(room.id);

    const heard = collector();
    await second.client.realtime.subscribeRoom(room.id, heard.push, { after: 3 });
    await host.client.chat.rooms.leave(room.id);
    await eventually(
      () => heard.messages.map(summary),
      (seen) => seen.length === 2,
    );
    expect(heard.messages.map(summary)).toEqual([
      `4:OUT:${host.user.nickname}:`,
      `5:NEW_HOST:${first.user.nickname}:`,
    ]);
    expect(await second.client.chat.rooms.get(room.id)).toMatchObject({
      host: { id: first.user.id },
      members: 2,
    });

    await first.client.chat.rooms.leave(room.id);
    await second.client.realtime.leave(room.id);
    const closed = await host.client.chat.rooms.get(room.id);
    expect(closed).toMatchObject({ status: "CLOSED", members: 0 });
    await expect(first.client.chat.rooms.join(room.id)).rejects.toMatchObject({
      status: 409,
      code: "ROOM_CLOSED",
    });
    await expect(first.client.chat.rooms.join(room.id)).rejects.toBeInstanceOf(ConflictError);
    await second.client.realtime.disconnect();
  });

  it("keeps non-members out of a room's topic, history and leave", async () => {
    const host = await signedInUser(server);
    const stranger = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title: "private" });

    const refused = stranger.client.realtime.subscribeRoom(room.id, () => {}, { after: 0 });
    await expect(refused).rejects.toBeInstanceOf(RealtimeError);
    await expect(refused).rejects.toMatchObject({ code: "NOT_A_MEMBER" });
    await expect(stranger.client.chat.rooms.messages(room.id)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(stranger.client.chat.rooms.leave(room.id)).rejects.toMatchObject({
      status: 403,
      code: "NOT_A_MEMBER",
    });
    await expect(stranger.client.chat.rooms.get(987654)).rejects.toBeInstanceOf(NotFoundError);
    await stranger.client.realtime.disconnect();
  });

  it("answers bad input in the documented shape", async () => {
    const { session } = await signedInUser(server);
    const headers = { authorization: `Bearer ${session.accessToken}`, "content-type": "application/json" };
    const noTitle = await raw(server, "POST", "/api/v1/chat/rooms", {
      headers,
      body: JSON.stringify({ title: " " }),
    });
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.error.details).toEqual([expect.objectContaining({ path: "body.title" })]);
    const badLimit = await raw(server, "GET", "/api/v1/chat/rooms/1/messages?limit=500", { headers });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.details[0].path).toBe("query.limit");
    const anonymous = await raw(server, "GET", "/api/v1/chat/rooms");
    expect(anonymous.status).toBe(401);
  });
});

describeWithServices("chat under concurrency", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("services");
  });
  afterAll(() => server?.stop());

  it("allocates seq without gaps or repeats when many join, send and leave at once", async () => {
    const { chat } = server.container.services;
    const users = await manyUsers(server, 12);
    const rows = await Promise.all(users.map((u) => server.container.services.auth.authenticate(u.token)));
    const [host, ...others] = rows as [UserRow, ...UserRow[]];
    const room = await chat.create(host, "rush");

    await Promise.all(others.map((user) => chat.join(user, room.id)));
    await Promise.all(
      rows.flatMap((user) => [1, 2, 3].map((n) => chat.send(user, room.id, [`${user.id}:${n}`]))),
    );
    await Promise.all(rows.map((user) => chat.leave(user, room.id)));

    const stored = await server.container.database.db
      .selectFrom("chat_messages")
      .select(["seq", "type", "sender_id"])
      .where("room_id", "=", room.id)
      .orderBy("seq")
      .execute();
    const count = (type: string) => stored.filter((m) => m.type === type).length;
    expect(stored.map((m) => Number(m.seq))).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    expect([count("CREATE"), count("IN"), count("SEND"), count("OUT")]).toEqual([1, 11, 36, 12]);
    // Replayed in seq order, every NEW_HOST follows its host's OUT and names someone still in the room.
    const present = new Set<number>();
    let hostId = host.id;
    let previous: (typeof stored)[number] | undefined;
    for (const message of stored) {
      const sender = message.sender_id ?? 0;
      if (message.type === "CREATE" || message.type === "IN") present.add(sender);
      if (message.type === "OUT") present.delete(sender);
      if (message.type === "NEW_HOST") {
        expect(previous).toEqual({ type: "OUT", sender_id: hostId, seq: Number(message.seq) - 1 });
        expect(present.has(sender)).toBe(true);
        hostId = sender;
      }
      previous = message;
    }
    expect(await chat.get(room.id)).toMatchObject({ status: "CLOSED", members: 0 });
  });
});
