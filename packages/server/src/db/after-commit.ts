import type { Tx } from "./database.ts";

const pending = new WeakMap<Tx, Array<() => unknown>>();

/**
 * Runs `hook` after the transaction commits (side effects that leave the database: cache, notifications,
 * rankings, sockets). A rolled-back or retried attempt drops its hooks. Only `SqlDatabase.transaction` runs them.
 */
export function afterCommit(tx: Tx, hook: () => unknown): void {
  const hooks = pending.get(tx) ?? [];
  hooks.push(hook);
  pending.set(tx, hooks);
}

/** Runs a committed transaction's hooks in order; one failing does not stop the others or the request. */
export async function runAfterCommit(tx: Tx, onError: (error: unknown) => void): Promise<void> {
  for (const hook of pending.get(tx) ?? []) {
    try {
      await hook();
    } catch (error) {
      onError(error);
    }
  }
  pending.delete(tx);
}
