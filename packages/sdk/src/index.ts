export { type ClientOptions, CodeChef, type Fetch, type RequestOptions } from "./client.ts";
export * from "./errors.ts";
export {
  type FeedOptions,
  Realtime,
  RealtimeError,
  type RealtimeEvents,
  type RealtimeOptions,
  type RoomSubscription,
  type Subscription,
} from "./realtime.ts";
export { anchorIn, ReviewResource, threadsByLine } from "./review.ts";
