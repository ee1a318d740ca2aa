/**
 * STOMP destinations of the realtime API at `/ws`. Every ERROR frame carries `code` (an `ErrorCode`), `message`
 * and `status` (the HTTP status REST answers the same error with); some add `retry-after` (seconds),
 * `receipt-id` (the failing frame's receipt) or `version`.
 */
export const REALTIME_PATH = "/ws";
export const NOTIFICATIONS_DESTINATION = "/user/queue/notifications";
export const chatRoomTopic = (roomId: number) => `/topic/chat-room.${roomId}`;
export const chatRoomSendDestination = (roomId: number) => `/app/chat-room.${roomId}`;

/** The one STOMP version spoken; a CONNECT without it is refused with an ERROR carrying `version: 1.2`. */
export const STOMP_VERSION = "1.2";

/**
 * SUBSCRIBE's `ack` header. With `client` and `client-individual` each MESSAGE carries an `ack` id to ACK or NACK
 * (in `client` mode an ACK also settles every earlier message of the subscription). Nothing is redelivered: a
 * client recovers what it did not process from the REST history.
 */
export const STOMP_ACK_MODES = ["auto", "client", "client-individual"] as const;
export type StompAckMode = (typeof STOMP_ACK_MODES)[number];
