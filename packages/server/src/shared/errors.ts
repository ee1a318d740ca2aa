import type { ErrorCode, ErrorDetail } from "@codechef/contract";

/** An error the client can act on: a status, a stable code and a message safe to show. */
export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details?: ErrorDetail[];
  readonly headers?: Record<string, string>;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    details?: ErrorDetail[],
    headers?: Record<string, string>,
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export class ValidationError extends AppError {
  constructor(details: ErrorDetail[], message = "the request is not valid") {
    super(400, "INVALID_INPUT", message, details);
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, code: ErrorCode) {
    super(400, code, message);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "authentication required", code: ErrorCode = "UNAUTHENTICATED") {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "you may not do this", code: ErrorCode = "FORBIDDEN") {
    super(403, code, message);
  }
}

export class AccountBlockedError extends ForbiddenError {
  constructor() {
    super("this account is blocked", "ACCOUNT_BLOCKED");
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, "NOT_FOUND", `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code: ErrorCode = "CONFLICT") {
    super(409, code, message);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, "RATE_LIMITED", "too many attempts, try again later", undefined, {
      "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

export class ServiceUnavailableError extends AppError {
  readonly service: string;

  constructor(service: string, reason: string) {
    super(503, "SERVICE_UNAVAILABLE", `${service} is unavailable`, undefined, { "Retry-After": "1" });
    this.service = service;
    this.cause = reason;
  }
}
