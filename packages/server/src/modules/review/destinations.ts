import type { ModuleDestinations } from "../../realtime/destinations.ts";
import { NotFoundError } from "../../shared/errors.ts";
import type { ReviewService } from "./service.ts";

const BOARD_TOPIC = /^\/topic\/board\.([1-9]\d{0,15})$/;

/** A board's review events: anyone who may read the board may listen; nothing is sent to it. */
export function reviewDestinations(review: ReviewService): ModuleDestinations {
  return {
    owns: (destination) => BOARD_TOPIC.test(destination),
    async authorizeSubscribe(_user, destination) {
      await review.assertReadable(Number(BOARD_TOPIC.exec(destination)?.[1]));
    },
    async send(_user, destination) {
      throw new NotFoundError(`destination ${destination}`);
    },
  };
}
