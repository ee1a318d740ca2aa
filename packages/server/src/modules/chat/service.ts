import type { ChatMessage, ChatRoom, CursorPage, RoomEntry } from "@codechef/contract";
import type { SqlDatabase, Tx } from "../../db/database.ts";
import type { ChatMessagesTable } from "../../db/schema.ts";
import type { OutboxWriter } from "../../outbox/outbox.ts";
import { AccountBlockedError, ConflictError, ForbiddenError, NotFoundError } from "../../shared/errors.ts";
import type { UserRow } from "../../shared/user-row.ts";
import { type MessageRow, presentMessage, presentRoom } from "./presenter.ts";
import type { ChatRepository } from "./repository.ts";

const ENTRY_HISTORY = 50;

export class RoomClosedError extends ConflictError {
  constructor() {
    super("this room is closed", "ROOM_CLOSED");
  }
}

export class NotAMemberError extends ForbiddenError {
  constructor() {
    super("you are not a member of this room", "NOT_A_MEMBER");
  }
}

/**
 * Chat rooms. Every message is stored with its outbox row in the transaction that causes it; fan-out to
 * subscribers is the bus's job once it commits.
 */
export class ChatService {
  readonly #database: SqlDatabase;
  readonly #rooms: ChatRepository;
  readonly #outbox: OutboxWriter;

  constructor(deps: { database: SqlDatabase; rooms: ChatRepository; outbox: OutboxWriter }) {
    this.#database = deps.database;
    this.#rooms = deps.rooms;
    this.#outbox = deps.outbox;
  }

  /** Appends a message to a room whose row lock the transaction holds. */
  async #append(tx: Tx, roomId: number, type: MessageRow["type"], senderId: number) {
    const seq = await this.#rooms.takeSeqs(tx, roomId);
    if (seq === undefined) throw new NotFoundError("chat room");
    const [stored] = await this.#store(tx, [
      { room_id: roomId, seq, type, sender_id: senderId, content: "", created_at: Date.now() },
    ]);
    return stored as ChatMessage;
  }

  async #store(tx: Tx, messages: Omit<ChatMessagesTable, "id">[]): Promise<ChatMessage[]> {
    const stored = (await this.#rooms.insertMessages(tx, messages)).map(presentMessage);
    await this.#outbox.enqueueAll(tx, "chat", stored);
    return stored;
  }

  async #room(roomId: number, db?: Tx): Promise<ChatRoom> {
    const room = await this.#rooms.findRoom(roomId, db);
    if (!room) throw new NotFoundError("chat room");
    return presentRoom(room);
  }

  create(host: UserRow, title: string): Promise<ChatRoom> {
    return this.#database.transaction(async (tx) => {
      const now = Date.now();
      const roomId = await this.#rooms.insertRoom(tx, title, host.id, now);
      await this.#rooms.addMember(tx, roomId, host.id, now);
      await this.#append(tx, roomId, "CREATE", host.id);
      return this.#room(roomId, tx);
    });
  }

  get(roomId: number): Promise<ChatRoom> {
    return this.#room(roomId);
  }

  async list(query: { status?: ChatRoom["status"]; page: number; size: number }) {
    const page = await this.#rooms.listRooms(query);
    return { ...page, items: page.items.map(presentRoom) };
  }

  /** Enters the room; an existing member just gets the entry again, without a second IN. */
  async join(user: UserRow, roomId: number): Promise<RoomEntry> {
    const room = await this.#database.transaction(async (tx) => {
      if (!(await this.#rooms.lockRoom(tx, roomId))) throw new NotFoundError("chat room");
      if (!(await this.#rooms.isMember(roomId, user.id, tx))) {
        const room = await this.#room(roomId, tx);
        if (room.status === "CLOSED") throw new RoomClosedError();
        await this.#rooms.addMember(tx, roomId, user.id, Date.now());
        await this.#append(tx, roomId, "IN", user.id);
      }
      return this.#room(roomId, tx);
    });
    const messages = await this.#rooms.latestMessages(roomId, ENTRY_HISTORY);
    return { room, messages: messages.map(presentMessage) };
  }

  /** Leaves: the host passes to the longest-present member (NEW_HOST); the last one out closes the room. */
  leave(user: UserRow, roomId: number): Promise<void> {
    return this.#database.transaction(async (tx) => {
      if (!(await this.#rooms.lockRoom(tx, roomId))) throw new NotFoundError("chat room");
      if (!(await this.#rooms.removeMember(tx, roomId, user.id))) throw new NotAMemberError();
      await this.#append(tx, roomId, "OUT", user.id);
      const successor = await this.#rooms.longestPresentMember(tx, roomId);
      if (successor === undefined) {
        await this.#rooms.close(tx, roomId);
        return;
      }
      const room = await this.#room(roomId, tx);
      if (room.host.id === user.id) {
        await this.#rooms.setHost(tx, roomId, successor);
        await this.#append(tx, roomId, "NEW_HOST", successor);
      }
    });
  }

  /**
   * A member's messages, in order and with consecutive seqs, in one transaction; the caller has validated their
   * content. The author's status is read here, not trusted from the caller: a realtime session holds the user
   * row read at CONNECT.
   */
  send(user: UserRow, roomId: number, contents: string[]): Promise<ChatMessage[]> {
    return this.#database.transaction(async (tx) => {
      // Taking the seqs takes the room's row lock: the checks below see every change to the room committed before.
      const last = await this.#rooms.takeSeqs(tx, roomId, contents.length);
      if (last === undefined) throw new NotFoundError("chat room");
      const sender = await this.#rooms.sender(roomId, user.id, tx);
      if (sender?.status !== "ACTIVE") throw new AccountBlockedError();
      if (!sender.member) throw new NotAMemberError();
      const first = last - contents.length + 1;
      const now = Date.now();
      return this.#store(
        tx,
        contents.map((content, i) => ({
          room_id: roomId,
          seq: first + i,
          type: "SEND" as const,
          sender_id: user.id,
          content,
          created_at: now,
        })),
      );
    });
  }

  /** Those after `after`, or the latest `limit` (nothing follows them: no cursor) when it is absent. */
  async messages(
    user: UserRow,
    roomId: number,
    after: number | undefined,
    limit: number,
  ): Promise<CursorPage<ChatMessage>> {
    await this.assertMember(user.id, roomId);
    const page =
      after === undefined
        ? { items: await this.#rooms.latestMessages(roomId, limit), nextCursor: null }
        : await this.#rooms.messagesAfter(roomId, after, limit);
    return { ...page, items: page.items.map(presentMessage) };
  }

  /** The policy for reading a room: members only (404 when the room does not exist). */
  async assertMember(userId: number, roomId: number): Promise<void> {
    if (await this.#rooms.isMember(roomId, userId)) return;
    await this.#room(roomId);
    throw new NotAMemberError();
  }
}
