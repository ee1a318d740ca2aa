import { NOTIFICATIONS_DESTINATION } from "@codechef/contract";
import { NotFoundError } from "../shared/errors.ts";
import type { UserRow } from "../shared/user-row.ts";

/** What a STOMP SUBSCRIBE or SEND may name, and who may: the policy of the realtime API. */
export interface DestinationPolicy {
  /** Throws an AppError when the user may not subscribe to the destination. */
  authorizeSubscribe(user: UserRow, destination: string): Promise<void>;
  /** Handles a SEND; resolves once its effect is stored. Throws an AppError when it is refused. */
  send(user: UserRow, destination: string, body: string): Promise<void>;
}

/** A module's own destinations (chat rooms, boards under review) and who may use them. */
export interface ModuleDestinations extends DestinationPolicy {
  owns(destination: string): boolean;
}

/**
 * Every user may hear their own notifications (the hub delivers them); each other destination belongs to the
 * module that owns it, and one no module owns is 404.
 */
export function destinationPolicy(...modules: ModuleDestinations[]): DestinationPolicy {
  const owner = (destination: string) => {
    const found = modules.find((module) => module.owns(destination));
    if (!found) throw new NotFoundError(`destination ${destination}`);
    return found;
  };
  return {
    async authorizeSubscribe(user, destination) {
      if (destination !== NOTIFICATIONS_DESTINATION)
        await owner(destination).authorizeSubscribe(user, destination);
    },
    send: async (user, destination, body) => owner(destination).send(user, destination, body),
  };
}
