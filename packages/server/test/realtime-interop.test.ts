import { chatRoomSendDestination, chatRoomTopic } from "@codechef/contract";
import { Client, type IMessage } from "@stomp/stompjs";
import stompit from "stompit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import websocketStream from "websocket-stream";
import webstomp from "webstomp-client";
import WebSocket from "ws";
import { describeEachBackend } from "./support/backends.ts";
import { signedInUser } from "./support/factories.ts";
import { eventually, rawStomp } from "./support/realtime.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

/** A received frame's headers. */
const headersOf = (frame: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (frame ?? "")
      .split("\n\n")[0]
      ?.split("\n")
      .slice(1)
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]) ?? [],
  );

describeEachBackend("realtime interoperability", (backend) => {
  let server: TestServer;
  let wsUrl: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    wsUrl = `${server.url.replace(/^http/, "ws")}/ws`;
  });
  afterAll(() => server?.stop());

  /** A room with a host who talks through the SDK and a guest whose client is under test. */
  const sent = (message: IMessage) => (JSON.parse(message.body) as { type: string }).type === "SEND";

  async function roomWithGuest(title: string) {
    const host = await signedInUser(server);
    const guest = await signedInUser(server);
    const room = await host.client.chat.rooms.create({ title });
    await guest.client.chat.rooms.join(room.id);
    return { host, guest, room };
  }

  it("reassembles a frame split over three WebSocket messages and takes two frames in one", async () => {
    const { session } = await signedInUser(server);
    const client = await rawStomp(server);
    const connect = `CONNECT\naccept-version:1.2\nAuthorization:Bearer ${session.accessToken}\n\n\0`;
    const third = Math.floor(connect.length / 3);
    for (const piece of [
      connect.slice(0, third),
      connect.slice(third, 2 * third),
      connect.slice(2 * third),
    ]) {
      client.send(piece);
    }
    await client.next("CONNECTED");
    client.send(
      "SUBSCRIBE\nid:1\ndestination:/user/queue/notifications\nreceipt:a\n\n\0\n" +
        "UNSUBSCRIBE\nid:1\nreceipt:b\n\n\0",
    );
    const receipts = await eventually(
      () => client.received.filter((f) => f.startsWith("RECEIPT\n")),
      (found) => found.length === 2,
    );
    expect(receipts.map((f) => headersOf(f)["receipt-id"])).toEqual(["a", "b"]);
    client.ws.close();
  });

  it("answers an unsupported version with the versions it speaks, and every ERROR with code, message and status", async () => {
    const old = await rawStomp(server);
    old.frame("CONNECT", { "accept-version": "1.0,1.1" });
    const refused = headersOf(await old.next("ERROR"));
    expect(refused).toMatchObject({ code: "UNSUPPORTED_VERSION", status: "400", version: "1.2" });
    expect(refused.message).toContain("1.2");

    const anonymous = await rawStomp(server);
    anonymous.frame("CONNECT", { "accept-version": "1.2" });
    expect(headersOf(await anonymous.next("ERROR"))).toMatchObject({
      code: "UNAUTHENTICATED",
      status: "401",
    });

    const { session } = await signedInUser(server);
    const lost = await rawStomp(server);
    lost.frame("CONNECT", { "accept-version": "1.2", Authorization: `Bearer ${session.accessToken}` });
    await lost.next("CONNECTED");
    lost.frame("SUBSCRIBE", { id: "1", destination: "/topic/nowhere", receipt: "r" });
    expect(headersOf(await lost.next("ERROR"))).toMatchObject({
      code: "NOT_FOUND",
      status: "404",
      message: "destination /topic/nowhere not found",
      "receipt-id": "r",
    });
  });

  it("serves a webstomp-client session", async () => {
    const { host, guest, room } = await roomWithGuest("webstomp");
    const client = webstomp.over(new WebSocket(wsUrl, ["v12.stomp"]), {
      debug: false,
      heartbeat: false,
      protocols: ["v12.stomp"],
    });
    await new Promise((resolve, reject) =>
      client.connect({ Authorization: `Bearer ${guest.session.accessToken}` }, resolve, reject),
    );
    const heard: string[] = [];
    client.subscribe(chatRoomTopic(room.id), (message) => heard.push(JSON.parse(message.body).content), {
      id: "room",
    });
    client.send(chatRoomSendDestination(room.id), JSON.stringify({ content: "from webstomp" }));
    await eventually(
      () => heard,
      (contents) => contents.includes("from webstomp"),
    );
    await host.client.realtime.send(room.id, { content: "to webstomp" });
    await eventually(
      () => heard,
      (contents) => contents.includes("to webstomp"),
    );
    await new Promise<void>((resolve) => client.disconnect(() => resolve()));
    await host.client.realtime.disconnect();
  });

  it("serves stompit, which writes each frame in pieces over a WebSocket stream", async () => {
    const { host, guest, room } = await roomWithGuest("stompit");
    const client = await new Promise<stompit.Client>((resolve, reject) =>
      stompit.connect(
        {
          connect: (_: unknown, connected: () => void) => {
            const stream = websocketStream(wsUrl, ["v12.stomp"]);
            stream.on("connect", connected);
            return stream;
          },
          connectHeaders: { Authorization: `Bearer ${guest.session.accessToken}` },
        } as unknown as stompit.connect.ConnectOptions,
        (error, connected) => (error ? reject(error) : resolve(connected)),
      ),
    );
    const heard: string[] = [];
    client.subscribe({ destination: chatRoomTopic(room.id) }, (error, message) => {
      if (error) return;
      message.readString("utf-8", (_, body) => heard.push(JSON.parse(body ?? "{}").content));
    });
    const send = client.send({
      destination: chatRoomSendDestination(room.id),
      "content-type": "application/json",
    });
    send.write(JSON.stringify({ content: "from stompit" }));
    send.end();
    await eventually(
      () => heard,
      (contents) => contents.includes("from stompit"),
    );
    await host.client.realtime.send(room.id, { content: "to stompit" });
    await eventually(
      () => heard,
      (contents) => contents.includes("to stompit"),
    );
    await new Promise((resolve) => client.disconnect(resolve));
    await host.client.realtime.disconnect();
  });

  describe("acknowledgement with @stomp/stompjs", () => {
    async function stompjs(token: string) {
      const errors: Record<string, string>[] = [];
      const client = new Client({
        webSocketFactory: () => new WebSocket(wsUrl, ["v12.stomp"]),
        connectHeaders: { Authorization: `Bearer ${token}` },
        reconnectDelay: 0,
        heartbeatIncoming: 0,
        heartbeatOutgoing: 0,
        onStompError: (frame) => errors.push(frame.headers),
      });
      await new Promise((resolve) => {
        client.onConnect = resolve;
        client.activate();
      });
      let receipts = 0;
      /** Resolves once the server handled every frame sent before it. */
      const handled = () =>
        new Promise<void>((resolve) => {
          const receipt = `sync-${++receipts}`;
          client.watchForReceipt(receipt, () => resolve());
          client.unsubscribe("none", { receipt });
        });
      return { client, errors, handled };
    }

    it("gives client-individual MESSAGEs an ack id, settles each ACK or NACK alone and refuses an unknown one", async () => {
      const { host, guest, room } = await roomWithGuest("individual");
      const { client, errors } = await stompjs(guest.session.accessToken);
      const messages: IMessage[] = [];
      await new Promise<void>((resolve) => {
        client.watchForReceipt("subscribed", () => resolve());
        // Only what is said after subscribing: the guest's IN may still be on its way through the broker.
        client.subscribe(chatRoomTopic(room.id), (message) => sent(message) && messages.push(message), {
          ack: "client-individual",
          receipt: "subscribed",
        });
      });
      for (const text of ["one", "two", "three"]) await host.client.realtime.send(room.id, { content: text });
      await eventually(
        () => messages.length,
        (n) => n === 3,
      );
      expect(messages.map((m) => m.headers.ack)).toEqual(messages.map((m) => m.headers["message-id"]));
      const [one, two, three] = messages as [IMessage, IMessage, IMessage];
      two.ack();
      three.nack();
      one.ack();
      one.ack();
      const error = await eventually(() => errors[0], Boolean);
      expect(error).toMatchObject({ code: "UNKNOWN_ACK", status: "400" });
      expect(errors).toHaveLength(1);
      await client.deactivate();
      await host.client.realtime.disconnect();
    });

    it("settles every earlier message of a client subscription with one ACK", async () => {
      const { host, guest, room } = await roomWithGuest("cumulative");
      const { client, errors, handled } = await stompjs(guest.session.accessToken);
      const messages: IMessage[] = [];
      client.subscribe(chatRoomTopic(room.id), (message) => sent(message) && messages.push(message), {
        ack: "client",
      });
      await handled();
      for (const text of ["one", "two", "three"]) await host.client.realtime.send(room.id, { content: text });
      await eventually(
        () => messages.length,
        (n) => n === 3,
      );
      const [one, two, three] = messages as [IMessage, IMessage, IMessage];
      two.ack();
      three.ack();
      await handled();
      expect(errors).toEqual([]);
      one.ack();
      expect(await eventually(() => errors[0], Boolean)).toMatchObject({ code: "UNKNOWN_ACK" });
      await client.deactivate();
      await host.client.realtime.disconnect();
    });

    it("refuses an unknown ack mode at SUBSCRIBE", async () => {
      const { guest, room } = await roomWithGuest("modes");
      const { client, errors } = await stompjs(guest.session.accessToken);
      client.subscribe(chatRoomTopic(room.id), () => {}, { ack: "sometimes" });
      expect(await eventually(() => errors[0], Boolean)).toMatchObject({
        code: "UNSUPPORTED_ACK_MODE",
        status: "400",
      });
      await client.deactivate();
    });
  });
});

describeEachBackend("a realtime session whose access token expires", (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { ACCESS_TOKEN_TTL: "2" });
  });
  afterAll(() => server?.stop());

  it("is closed with ERROR TOKEN_EXPIRED once the token's exp passes", async () => {
    const { session } = await signedInUser(server);
    const client = await rawStomp(server);
    client.frame("CONNECT", { "accept-version": "1.2", Authorization: `Bearer ${session.accessToken}` });
    await client.next("CONNECTED");
    const expired = headersOf(await client.next("ERROR"));
    expect(expired).toMatchObject({ code: "TOKEN_EXPIRED", status: "401" });
    expect((await client.closed).code).toBe(1008);
    expect(Date.now()).toBeGreaterThanOrEqual(tokenExpiry(session.accessToken));
    // The client can see the close before the server has handled its own end of it.
    await vi.waitFor(() => expect(server.container.realtime.hub.sessionCount).toBe(0));
  });
});

const tokenExpiry = (token: string) =>
  (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { exp: number }).exp * 1000;
