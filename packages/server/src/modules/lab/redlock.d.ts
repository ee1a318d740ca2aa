// redlock 5's package.json "exports" hides its own index.d.ts from `moduleResolution: nodenext`; these are the
// parts of it the lab uses, as that file declares them.
declare module "redlock" {
  import type { Redis } from "ioredis";

  export interface Lock {
    release(): Promise<unknown>;
  }

  export default class Redlock {
    constructor(
      clients: Iterable<Redis>,
      settings?: { retryCount?: number; retryDelay?: number; retryJitter?: number },
    );
    acquire(resources: string[], duration: number): Promise<Lock>;
  }
}
