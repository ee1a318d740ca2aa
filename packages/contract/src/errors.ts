import { z } from "zod";

export const ErrorCode = z.enum([
  "INVALID_INPUT",
  "MALFORMED_JSON",
  "UNAUTHENTICATED",
  "INVALID_CREDENTIALS",
  "TOKEN_EXPIRED",
  "FORBIDDEN",
  "ACCOUNT_BLOCKED",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CONFLICT",
  "EMAIL_TAKEN",
  "CATEGORY_EXISTS",
  "CATEGORY_IN_USE",
  "INSUFFICIENT_POINTS",
  "IDEMPOTENCY_KEY_REUSED",
  "CANNOT_ADOPT_OWN",
  "ALREADY_ADOPTED",
  "COMMENT_ADOPTED",
  "ROOM_CLOSED",
  "NOT_A_MEMBER",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
  "INTERNAL",
  "SUGGESTION_OUTDATED",
  "SUGGESTIONS_OVERLAP",
  "SUGGESTION_APPLIED",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorDetail = z.object({ path: z.string(), message: z.string() });
export type ErrorDetail = z.infer<typeof ErrorDetail>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(ErrorDetail).optional(),
    requestId: z.string(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
