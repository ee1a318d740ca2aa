/** STOMP destinations of the realtime API at `/ws`. */
export const REALTIME_PATH = "/ws";
export const NOTIFICATIONS_DESTINATION = "/user/queue/notifications";
export const chatRoomTopic = (roomId: number) => `/topic/chat-room.${roomId}`;
export const chatRoomSendDestination = (roomId: number) => `/app/chat-room.${roomId}`;
