import { loadConfig } from "./config.ts";
import { createContainer } from "./container.ts";
import { jsonLogger } from "./logger.ts";
import { SqlBoardDocuments } from "./modules/search/board-documents.ts";

const BATCH = 200;

/** Rebuilds the search index from the database: `npm run reindex -w @codechef/server`. */
const config = loadConfig();
const container = await createContainer(config, jsonLogger("warn"));
try {
  const { index } = container.search;
  await index.clear();
  let count = 0;
  for await (const batch of new SqlBoardDocuments(container.database.db).batches(BATCH)) {
    for (const document of batch) await index.index(document);
    count += batch.length;
  }
  process.stdout.write(`reindexed ${count} boards into the ${index.name} index\n`);
} finally {
  await container.close();
}
