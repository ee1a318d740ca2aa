import type { Logger } from "./logger.ts";

/** Work that runs on a schedule in every instance; each job claims its rows in the database, so it is safe to race. */
export interface Job {
  name: string;
  /** Does what is due now; resolves when done. */
  run(now: number): Promise<void>;
}

/**
 * Runs every job every `intervalMs`, one pass at a time. Jobs never depend on the timer for correctness: what
 * is due is found in the database, so a restart or another instance picks up where this one stopped.
 */
export class JobRunner {
  readonly #jobs: Job[];
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(jobs: Job[], logger: Logger, intervalMs: number) {
    this.#jobs = jobs;
    this.#logger = logger;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => void this.runDueJobs().catch(() => {}), intervalMs);
      this.#timer.unref();
    }
  }

  /** One pass over every job (tests call this instead of waiting for the timer). */
  runDueJobs(now = Date.now()): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#running ??= (async () => {
      for (const job of this.#jobs) {
        try {
          await job.run(now);
        } catch (error) {
          this.#logger.warn("scheduled job failed; it runs again next pass", {
            job: job.name,
            error: String(error),
          });
        }
      }
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running;
  }
}
