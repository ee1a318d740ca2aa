import { NOTIFICATIONS_DESTINATION } from "@codechef/contract";
import { NotFoundError } from "../shared/errors.ts";
import type { UserRow } from "../shared/user-row.ts";

/** What a STOMP SUBSCRIBE or SEND may name, and who may: the policy of the realtime API. */
export interface DestinationPolicy {
  /** Throws an AppError when the user may not subscribe to the destination. */
  authorizeSubscribe(user: UserRow, destination: string): Promise<void>;
  /**
   * Handles a run of SENDs to one destination, in order: resolves once the effects of the first `stored` are
   * stored, with the `refusal` (an AppError, or what failed) that stopped the rest. A module may throw instead,
   * which refuses the whole run.
   */
  send(user: UserRow, destination: string, bodies: string[]): Promise<SendOutcome>;
}

/** What a run of SENDs came to: the first `stored` were stored; `refusal` stopped the next, and those after it. */
export interface SendOutcome {
  stored: number;
  refusal?: unknown;
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
    async send(user, destination, bodies) {
      try {
        return await owner(destination).send(user, destination, bodies);
      } catch (refusal) {
        return { stored: 0, refusal };
      }
    },
  };
}
