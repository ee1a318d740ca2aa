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
  /** Passes run one after the other, each with its own `now`. */
  #chain: Promise<void> = Promise.resolve();
  #busy = false;
  #stopped = false;

  constructor(jobs: Job[], logger: Logger, intervalMs: number) {
    this.#jobs = jobs;
    this.#logger = logger;
    if (intervalMs > 0) {
      // A slow pass is not piled up behind: the timer skips while one runs.
      this.#timer = setInterval(() => {
        if (!this.#busy) void this.runDueJobs();
      }, intervalMs);
      this.#timer.unref();
    }
  }

  /** One pass over every job as of `now`, after any pass already running (tests call this with their clock). */
  runDueJobs(now = Date.now()): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#chain = this.#chain.then(() => this.#pass(now));
    return this.#chain;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#chain;
  }

  async #pass(now: number): Promise<void> {
    this.#busy = true;
    try {
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
    } finally {
      this.#busy = false;
    }
  }
}
