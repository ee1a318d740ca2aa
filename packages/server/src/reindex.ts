import { loadConfig } from "./config.ts";
import { createContainer } from "./container.ts";
import { jsonLogger } from "./logger.ts";
import { rebuildSearchIndex } from "./modules/search/rebuild.ts";
import { SqlBoardDocuments } from "./modules/search/repository.ts";

/** Rebuilds the search index from the database: `npm run reindex`. */
const container = await createContainer(loadConfig(), jsonLogger("warn"));
try {
  const { index } = container.search;
  const count = await rebuildSearchIndex(index, new SqlBoardDocuments(container.database.db));
  process.stdout.write(`reindexed ${count} boards into the ${index.name} index\n`);
} finally {
  await container.close();
}
