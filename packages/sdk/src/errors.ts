import type { ErrorBody, ErrorCode, ErrorDetail } from "@codechef/contract";

/** Codes the client reports itself, when no answer (or no usable one) came from the server. */
export type ClientErrorCode = "CONNECTION_ERROR" | "TIMEOUT" | "HTTP_ERROR";

/**
 * Every failure the client reports: an HTTP status (0 when no response came), a stable code and a message.
 * A server newer than this SDK may send a code not in `ErrorCode`; it arrives as sent.
 */
export class CodeChefError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode | (string & {});
  readonly requestId: string | undefined;
  readonly details: ErrorDetail[] | undefined;

  constructor(
    status: number,
    code: CodeChefError["code"],
    message: string,
    requestId?: string,
    details?: ErrorDetail[],
  ) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

export class BadRequestError extends CodeChefError {}
export class AuthenticationError extends CodeChefError {}
export class PermissionDeniedError extends CodeChefError {}
export class NotFoundError extends CodeChefError {}
export class MethodNotAllowedError extends CodeChefError {}
export class ConflictError extends CodeChefError {}
export class PayloadTooLargeError extends CodeChefError {}
export class UnsupportedMediaTypeError extends CodeChefError {}
export class RateLimitError extends CodeChefError {
  /** Seconds the server asked us to wait. */
  retryAfter: number | undefined;
}
export class InternalServerError extends CodeChefError {}
export class ServiceUnavailableError extends InternalServerError {}

/** No answer came: the server is unreachable, the connection broke, or (in a browser) CORS refused it. */
export class ConnectionError extends CodeChefError {
  /** True when a browser page most likely had a cross-origin request refused by CORS. */
  readonly likelyCors: boolean;

  constructor(
    message: string,
    options: { cause?: unknown; likelyCors?: boolean; code?: ClientErrorCode } = {},
  ) {
    super(0, options.code ?? "CONNECTION_ERROR", message);
    this.cause = options.cause;
    this.likelyCors = options.likelyCors ?? false;
  }
}

/** No answer within `timeoutMs`. */
export class TimeoutError extends ConnectionError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause, code: "TIMEOUT" });
  }
}

/**
 * An ERROR frame from the realtime server, with the same `status` and `code` a REST call would carry (the
 * frame's `status` header, or the status the code has on REST when the header is absent).
 */
export class RealtimeError extends CodeChefError {}

const BY_STATUS: Record<number, typeof CodeChefError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  405: MethodNotAllowedError,
  409: ConflictError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  429: RateLimitError,
  503: ServiceUnavailableError,
};

/** The status each code answers with on REST; realtime-only codes as the nearest HTTP status. */
const STATUS_BY_CODE: Partial<Record<ErrorCode | (string & {}), number>> = {
  INVALID_INPUT: 400,
  MALFORMED_JSON: 400,
  CANNOT_ADOPT_OWN: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  SESSION_REVOKED: 401,
  FORBIDDEN: 403,
  ACCOUNT_BLOCKED: 403,
  NOT_A_MEMBER: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  EMAIL_TAKEN: 409,
  CATEGORY_EXISTS: 409,
  CATEGORY_IN_USE: 409,
  INSUFFICIENT_POINTS: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  ALREADY_ADOPTED: 409,
  COMMENT_ADOPTED: 409,
  ROOM_CLOSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  FRAME_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  TOO_MANY_SUBSCRIPTIONS: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
};

export function errorFromResponse(status: number, body: unknown, headers: Headers): CodeChefError {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  const Class = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : CodeChefError);
  const result = new Class(
    status,
    error?.code ?? "HTTP_ERROR",
    error?.message ?? `request failed with status ${status}`,
    error?.requestId ?? headers.get("x-request-id") ?? undefined,
    error?.details,
  );
  if (result instanceof RateLimitError) {
    const wait = retryAfterMs(headers);
    result.retryAfter = Number.isNaN(wait) ? undefined : wait / 1000;
  }
  return result;
}

/** An ERROR frame's headers as an error; a protocol error without a known code counts as 400. */
export function errorFromFrame(headers: Record<string, string | undefined>, body: string): RealtimeError {
  const code = headers.code ?? "INTERNAL";
  const status = Number(headers.status) || STATUS_BY_CODE[code] || 400;
  return new RealtimeError(status, code, headers.message ?? body, headers["request-id"]);
}

/** `Retry-After` in milliseconds (seconds or an HTTP date); NaN when absent or unreadable. */
export function retryAfterMs(headers: Headers): number {
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return Number.NaN;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? Number.NaN : Math.max(0, date - Date.now());
}
