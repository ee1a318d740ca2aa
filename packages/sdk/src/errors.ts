import type { ErrorBody, ErrorDetail } from "@codechef/contract";

/** Every failure the client reports: an HTTP status (0 when no response came), a stable code and a message. */
export class CodeChefError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: ErrorDetail[] | undefined;

  constructor(status: number, code: string, message: string, requestId?: string, details?: ErrorDetail[]) {
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
export class ConflictError extends CodeChefError {}
export class PayloadTooLargeError extends CodeChefError {}
export class UnsupportedMediaTypeError extends CodeChefError {}
export class RateLimitError extends CodeChefError {
  /** Seconds the server asked us to wait. */
  retryAfter: number | undefined;
}
export class InternalServerError extends CodeChefError {}
export class ServiceUnavailableError extends InternalServerError {}
export class ConnectionError extends CodeChefError {
  constructor(message: string, cause?: unknown) {
    super(0, "CONNECTION_ERROR", message);
    this.cause = cause;
  }
}
export class TimeoutError extends ConnectionError {}

const BY_STATUS: Record<number, typeof CodeChefError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  429: RateLimitError,
  503: ServiceUnavailableError,
};

export function errorFromResponse(status: number, body: unknown, headers: Headers): CodeChefError {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  const Class = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : CodeChefError);
  const result = new Class(
    status,
    error?.code ?? `HTTP_${status}`,
    error?.message ?? `request failed with status ${status}`,
    error?.requestId ?? headers.get("x-request-id") ?? undefined,
    error?.details,
  );
  if (result instanceof RateLimitError) {
    const retryAfter = Number(headers.get("retry-after"));
    result.retryAfter = Number.isFinite(retryAfter) ? retryAfter : undefined;
  }
  return result;
}
