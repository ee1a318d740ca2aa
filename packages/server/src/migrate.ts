import { loadConfig } from "./config.ts";
import { migrateToLatest, openDatabase } from "./db/database.ts";

const config = loadConfig();
const database = openDatabase(config.database.url);
try {
  const applied = await database.withoutDeadline(migrateToLatest);
  process.stdout.write(applied.length ? `applied: ${applied.join(", ")}\n` : "schema is up to date\n");
} finally {
  await database.close();
}
