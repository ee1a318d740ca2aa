import type { BoardDocuments, SearchIndex } from "../../ports.ts";

const BATCH = 200;

/** Empties the index and fills it again from every live board; answers how many were indexed. */
export async function rebuildSearchIndex(index: SearchIndex, boards: BoardDocuments): Promise<number> {
  await index.clear();
  let count = 0;
  for await (const batch of boards.batches(BATCH)) {
    await index.indexMany(batch);
    count += batch.length;
  }
  return count;
}
