export { type ClientOptions, CodeChef, type Fetch, type RequestOptions } from "./client.ts";
export * from "./errors.ts";
export {
  Realtime,
  RealtimeError,
  type RealtimeEvents,
  type RealtimeOptions,
  type RoomSubscription,
  type Subscription,
} from "./realtime.ts";
