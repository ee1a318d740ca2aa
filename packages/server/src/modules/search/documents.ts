import type { SearchDocument } from "../../ports.ts";

/** How search reads boards from the database, which stays the source of truth over the index. */
export interface BoardDocuments {
  /** The live (not deleted) boards among `ids`, as the index should hold them. */
  load(ids: number[]): Promise<Map<number, SearchDocument>>;
  /** The current titles of the live boards among `ids`. */
  liveTitles(ids: number[]): Promise<Map<number, string>>;
  /** Every live board, a batch at a time, in id order. */
  batches(size: number): AsyncIterable<SearchDocument[]>;
}
