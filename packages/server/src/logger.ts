import { AsyncLocalStorage } from "node:async_hooks";
import { type DestinationStream, pino } from "pino";

export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The request a line is logged for: every line written while a request is handled carries its id. */
export const logContext = new AsyncLocalStorage<{ requestId: string }>();

/** Fields that may hold a secret, wherever they appear in a line. */
const REDACTED = [
  "password",
  "currentPassword",
  "newPassword",
  "token",
  "accessToken",
  "refreshToken",
].flatMap((name) => [name, `*.${name}`]);

/**
 * JSON lines (pino) on stdout, or on `destination` (tests). Stdout is written asynchronously rather than one
 * blocking write per line; `flush()` empties what is pending at shutdown.
 */
export function jsonLogger(
  level: Level | "silent",
  destination?: DestinationStream,
): Logger & { flush(): void } {
  const stream = destination ?? pino.destination({ dest: 1, sync: false });
  const log = pino(
    {
      level,
      messageKey: "message",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => logContext.getStore() ?? {},
      redact: {
        paths: [...REDACTED, "authorization", "*.authorization", "headers.authorization", "headers.cookie"],
        censor: "[redacted]",
      },
    },
    stream,
  );
  const at = (name: Level) => (message: string, fields?: Record<string, unknown>) =>
    fields ? log[name](fields, message) : log[name](message);
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    flush: () => log.flush(),
  };
}
