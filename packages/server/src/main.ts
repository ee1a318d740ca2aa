import { ConfigError, loadConfig } from "./config.ts";
import { createContainer } from "./container.ts";
import { jsonLogger } from "./logger.ts";
import { startServer } from "./server.ts";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`codechef: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = jsonLogger(config.logLevel);
  const container = await createContainer(config, logger);
  const running = await startServer(container);
  logger.info("listening", { url: running.url, database: container.database.dialect });

  const shutdown = (signal: string) => {
    logger.info("shutting down", { signal });
    running.stop().then(
      () => {
        logger.info("stopped");
        logger.flush();
      },
      (error: unknown) => {
        logger.error("shutdown failed", { error: String(error) });
        process.exitCode = 1;
      },
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

await main();
