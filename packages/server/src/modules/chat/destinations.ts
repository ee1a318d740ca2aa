import { ChatSendBody } from "@codechef/contract";
import type { ModuleDestinations } from "../../realtime/destinations.ts";
import { NotFoundError, ValidationError } from "../../shared/errors.ts";
import type { ChatService } from "./service.ts";

const ROOM_TOPIC = /^\/topic\/chat-room\.([1-9]\d{0,15})$/;
const ROOM_SEND = /^\/app\/chat-room\.([1-9]\d{0,15})$/;

/** Chat's STOMP destinations: members subscribe to a room's topic and send to its `/app` address. */
export function chatDestinations(chat: ChatService): ModuleDestinations {
  return {
    owns: (destination) => ROOM_TOPIC.test(destination) || ROOM_SEND.test(destination),
    async authorizeSubscribe(user, destination) {
      const room = ROOM_TOPIC.exec(destination)?.[1];
      if (!room) throw new NotFoundError(`destination ${destination}`);
      await chat.assertMember(user.id, Number(room));
    },
    async send(user, destination, bodies) {
      const room = ROOM_SEND.exec(destination)?.[1];
      if (!room) throw new NotFoundError(`destination ${destination}`);
      const contents: string[] = [];
      let refusal: ValidationError | undefined;
      for (const body of bodies) {
        const parsed = parseSend(body);
        if (parsed instanceof ValidationError) {
          refusal = parsed;
          break;
        }
        contents.push(parsed);
      }
      if (contents.length > 0) await chat.send(user, Number(room), contents);
      return { stored: contents.length, refusal };
    },
  };
}

/** A SEND body's message content, or why it is not one. */
function parseSend(body: string): string | ValidationError {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return new ValidationError([{ path: "body", message: "not JSON" }]);
  }
  const parsed = ChatSendBody.safeParse(json);
  if (parsed.success) return parsed.data.content;
  return new ValidationError(
    parsed.error.issues.map((issue) => ({ path: ["body", ...issue.path].join("."), message: issue.message })),
  );
}
