import { afterCommit } from "../../db/after-commit.ts";
import type { Tx } from "../../db/database.ts";
import type { LedgerRow } from "../points/presenter.ts";
import type { ReviewRepository } from "./repository.ts";

/** Runs after points earned in categories committed (the reviewer rankings follow them). */
export type ReviewPointsHook = (userId: number, categoryIds: number[]) => unknown;

/**
 * A reviewer's points per language and framework: each ledger entry earned by reviewing a board (an adopted
 * comment, an applied suggestion) counts in every category of that board.
 */
export class Reputation {
  readonly #review: ReviewRepository;
  readonly #onChanged: ReviewPointsHook;

  constructor(review: ReviewRepository, onChanged: ReviewPointsHook = () => {}) {
    this.#review = review;
    this.#onChanged = onChanged;
  }

  /** In the transaction that wrote `entry`. */
  async earned(tx: Tx, entry: LedgerRow, boardId: number): Promise<void> {
    const categoryIds = await this.#review.attribute(tx, entry, boardId);
    if (categoryIds.length > 0) afterCommit(tx, () => this.#onChanged(entry.user_id, categoryIds));
  }
}
