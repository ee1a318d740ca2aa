import type { CodeChefError, ConnectionError, RateLimitError } from "@codechef/sdk";
import { CredentialsLockError } from "./session.ts";

export const EXIT = { ok: 0, failure: 1, usage: 2, notSignedIn: 4 } as const;

/** Wrong use of the command line (exit 2). */
export class UsageError extends Error {}

/** No session for the server (exit 4). */
export class NotSignedInError extends Error {}

const SIGNED_OUT = new Set(["UNAUTHENTICATED", "TOKEN_EXPIRED"]);

// Recognised by shape, not class, so reporting an error never loads the SDK.
const isApiError = (error: unknown): error is CodeChefError =>
  error instanceof Error &&
  typeof (error as CodeChefError).status === "number" &&
  typeof (error as CodeChefError).code === "string";
const isConnectionError = (error: unknown): error is ConnectionError =>
  isApiError(error) && error.code === "CONNECTION_ERROR";

/** Prints what went wrong and what to do next, never a stack trace; answers the exit code. */
export function report(error: unknown, server: string): number {
  const say = (text: string) => process.stderr.write(`${text}\n`);
  if (error instanceof UsageError) {
    say(`error: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof NotSignedInError) {
    say(`${error.message}\nRun \`codechef auth login --server ${server}\` to sign in.`);
    return EXIT.notSignedIn;
  }
  const lockError = isConnectionError(error) ? error.cause : error;
  if (lockError instanceof CredentialsLockError) {
    say(`error: ${lockError.message}`);
    say(
      "Another codechef holds it; if none is running, the lock is stale and clears itself within 10 seconds.",
    );
    return EXIT.failure;
  }
  if (isConnectionError(error)) {
    say(`error: cannot reach ${server} (${describe(error)}).`);
    say("Is the server running? Pass --server URL or set CODECHEF_SERVER to use another one.");
    return EXIT.failure;
  }
  if (isApiError(error)) {
    if (error.status === 401 && SIGNED_OUT.has(error.code)) {
      say(`error: ${error.code}: ${error.message}`);
      say(`Run \`codechef auth login --server ${server}\` to sign in again.`);
      return EXIT.notSignedIn;
    }
    say(`error: ${error.code}: ${error.message}`);
    for (const detail of error.details ?? []) say(`  ${detail.path}: ${detail.message}`);
    const next = nextStep(error);
    if (next) say(next);
    return EXIT.failure;
  }
  say(`codechef: unexpected error: ${(error as Error)?.message ?? String(error)}`);
  say("This is a bug; please report it with the command you ran.");
  if (process.env.CODECHEF_DEBUG) say((error as Error)?.stack ?? "");
  return EXIT.failure;
}

function nextStep(error: CodeChefError): string | undefined {
  if (error.status === 429)
    return `Too many requests: try again in ${(error as RateLimitError).retryAfter ?? "a few"} seconds.`;
  if (error.status === 402) return "Nothing was charged; try another payment method.";
  if (error.status === 403) return "Your account is not allowed to do this.";
  if (error.status === 413) return "Each image may have 5 MiB and one upload 10 MiB in all.";
  if (error.status >= 500)
    return `This is a bug on the server; report it with the request id ${error.requestId ?? "(none)"}.`;
  return undefined;
}

function describe(error: ConnectionError): string {
  const cause = error.cause as { cause?: { code?: string; message?: string }; name?: string } | undefined;
  if (cause?.name === "TimeoutError") return "timed out";
  return cause?.cause?.code ?? cause?.cause?.message ?? error.message;
}
