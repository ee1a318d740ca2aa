import { z } from "zod";
import { IdParams, MAX_PAGE_SIZE, PageQuery, pageOf, QueryNumber, Timestamp } from "./common.ts";
import { endpoint } from "./endpoint.ts";
import { lineOfText } from "./text.ts";
import { UserRef } from "./users.ts";

export const RoomStatus = z.enum(["OPEN", "CLOSED"]);
export type RoomStatus = z.infer<typeof RoomStatus>;

export const ChatRoom = z.object({
  id: z.int(),
  title: z.string(),
  host: UserRef,
  status: RoomStatus,
  /** How many users are in the room now. */
  members: z.int(),
  createdAt: Timestamp,
});
export type ChatRoom = z.infer<typeof ChatRoom>;

export const ChatMessageType = z.enum(["CREATE", "IN", "OUT", "NEW_HOST", "SEND"]);
export type ChatMessageType = z.infer<typeof ChatMessageType>;

/** One message of a room, on REST and on `/topic/chat-room.{id}` alike. */
export const ChatMessage = z.object({
  id: z.int(),
  roomId: z.int(),
  /** Increases by one per room, without gaps. */
  seq: z.int(),
  type: ChatMessageType,
  /** Who sent it; for CREATE/IN/OUT/NEW_HOST the user the event is about. */
  sender: UserRef.nullable(),
  content: z.string(),
  createdAt: Timestamp,
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const MAX_CHAT_CONTENT = 2000;
export const ChatContent = z.string().min(1).max(MAX_CHAT_CONTENT);
/** The body of a STOMP SEND to `/app/chat-room.{id}`. */
export const ChatSendBody = z.object({ content: ChatContent });
export type ChatSendBody = z.infer<typeof ChatSendBody>;

export const CreateRoomBody = z.object({ title: lineOfText(1, 100) });
export type CreateRoomBody = z.input<typeof CreateRoomBody>;

export const RoomsQuery = PageQuery.extend({ status: RoomStatus.optional() });

export const MessagesQuery = z.object({
  /** Only messages with a larger `seq`, oldest first; without it, the latest `limit`. */
  after: QueryNumber.optional(),
  limit: QueryNumber.pipe(z.number().min(1).max(MAX_PAGE_SIZE)).default(50),
});
export type MessagesQuery = z.input<typeof MessagesQuery>;

export const MessagePage = z.object({ items: z.array(ChatMessage), nextCursor: z.string().nullable() });

export const RoomEntry = z.object({ room: ChatRoom, messages: z.array(ChatMessage) });
export type RoomEntry = z.infer<typeof RoomEntry>;

export const chat = {
  createRoom: endpoint({
    method: "POST",
    path: "/chat/rooms",
    summary: "Open a chat room; you are its host",
    access: "user",
    status: 201,
    body: CreateRoomBody,
    response: ChatRoom,
    location: "/chat/rooms/:id",
  }),
  listRooms: endpoint({
    method: "GET",
    path: "/chat/rooms",
    summary: "Chat rooms, newest first",
    access: "user",
    query: RoomsQuery,
    response: pageOf(ChatRoom),
  }),
  getRoom: endpoint({
    method: "GET",
    path: "/chat/rooms/:id",
    summary: "One chat room",
    access: "user",
    params: IdParams,
    response: ChatRoom,
  }),
  join: endpoint({
    method: "POST",
    path: "/chat/rooms/:id/members",
    summary: "Enter a room (again is harmless) and read its recent messages",
    access: "user",
    params: IdParams,
    response: RoomEntry,
    errors: { 409: ["ROOM_CLOSED"] },
  }),
  leave: endpoint({
    method: "DELETE",
    path: "/chat/rooms/:id/members/me",
    summary: "Leave a room; the host passes on, the last one out closes it",
    access: "user",
    status: 204,
    params: IdParams,
    errors: { 403: ["NOT_A_MEMBER"] },
  }),
  messages: endpoint({
    method: "GET",
    path: "/chat/rooms/:id/messages",
    summary: "A room's messages in ascending seq (members only)",
    access: "user",
    params: IdParams,
    query: MessagesQuery,
    response: MessagePage,
    errors: { 403: ["NOT_A_MEMBER"] },
  }),
};
