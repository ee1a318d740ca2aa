import { ChatSendBody, NOTIFICATIONS_DESTINATION } from "@codechef/contract";
import type { ChatService } from "../modules/chat/service.ts";
import type { ReviewService } from "../modules/review/service.ts";
import { NotFoundError, ValidationError } from "../shared/errors.ts";
import type { UserRow } from "../shared/user-row.ts";

const ROOM_TOPIC = /^\/topic\/chat-room\.([1-9]\d{0,15})$/;
const ROOM_SEND = /^\/app\/chat-room\.([1-9]\d{0,15})$/;
const BOARD_TOPIC = /^\/topic\/board\.([1-9]\d{0,15})$/;

/** What a STOMP SUBSCRIBE or SEND may name, and who may: the policy of the realtime API. */
export interface DestinationPolicy {
  /** Throws an AppError when the user may not subscribe to the destination. */
  authorizeSubscribe(user: UserRow, destination: string): Promise<void>;
  /** Handles a SEND; resolves once its effect is stored. Throws an AppError when it is refused. */
  send(user: UserRow, destination: string, body: string): Promise<void>;
}

export function destinationPolicy(chat: ChatService, review: ReviewService): DestinationPolicy {
  return {
    async authorizeSubscribe(user, destination) {
      if (destination === NOTIFICATIONS_DESTINATION) return;
      const board = BOARD_TOPIC.exec(destination)?.[1];
      if (board) return review.assertReadable(Number(board));
      const room = ROOM_TOPIC.exec(destination)?.[1];
      if (!room) throw new NotFoundError(`destination ${destination}`);
      await chat.assertMember(user.id, Number(room));
    },
    async send(user, destination, body) {
      const room = ROOM_SEND.exec(destination)?.[1];
      if (!room) throw new NotFoundError(`destination ${destination}`);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        throw new ValidationError([{ path: "body", message: "not JSON" }]);
      }
      const parsed = ChatSendBody.safeParse(json);
      if (!parsed.success) {
        throw new ValidationError(
          parsed.error.issues.map((issue) => ({
            path: ["body", ...issue.path].join("."),
            message: issue.message,
          })),
        );
      }
      await chat.send(user, Number(room), parsed.data.content);
    },
  };
}
