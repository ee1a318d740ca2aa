export * from "./api.ts";
export * from "./auth.ts";
export * from "./common.ts";
export * from "./endpoint.ts";
export * from "./errors.ts";
export * from "./openapi.ts";
export * from "./rankings.ts";
export * from "./users.ts";
