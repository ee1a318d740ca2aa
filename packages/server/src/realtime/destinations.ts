import { NOTIFICATIONS_DESTINATION } from "@codechef/contract";
import type { UserRow } from "../shared/user-row.ts";

/** What a STOMP SUBSCRIBE or SEND may name, and who may: the policy of the realtime API. */
export interface DestinationPolicy {
  /** Throws an AppError when the user may not subscribe to the destination. */
  authorizeSubscribe(user: UserRow, destination: string): Promise<void>;
  /** Handles a SEND; resolves once its effect is stored. Throws an AppError when it is refused. */
  send(user: UserRow, destination: string, body: string): Promise<void>;
}

/** Every user may hear their own notifications (the hub delivers them); the modules' destinations do the rest. */
export function destinationPolicy(modules: DestinationPolicy): DestinationPolicy {
  return {
    async authorizeSubscribe(user, destination) {
      if (destination !== NOTIFICATIONS_DESTINATION) await modules.authorizeSubscribe(user, destination);
    },
    send: (user, destination, body) => modules.send(user, destination, body),
  };
}
