import type { ChatMessage, ChatRoom } from "@codechef/contract";
import type { Selectable } from "kysely";
import type { ChatMessagesTable, ChatRoomsTable } from "../../db/schema.ts";
import { iso } from "../../shared/time.ts";
import { presentUserRef } from "../users/presenter.ts";

export type RoomRow = Selectable<ChatRoomsTable> & { host_nickname: string; members: number };
export type MessageRow = Selectable<ChatMessagesTable> & { sender_nickname: string | null };

export function presentRoom(row: RoomRow): ChatRoom {
  return {
    id: row.id,
    title: row.title,
    host: presentUserRef({ id: row.host_id, nickname: row.host_nickname }),
    status: row.status,
    members: Number(row.members),
    createdAt: iso(row.created_at),
  };
}

export function presentMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: Number(row.seq),
    type: row.type,
    sender:
      row.sender_id === null || row.sender_nickname === null
        ? null
        : presentUserRef({ id: row.sender_id, nickname: row.sender_nickname }),
    content: row.content,
    createdAt: iso(row.created_at),
  };
}
