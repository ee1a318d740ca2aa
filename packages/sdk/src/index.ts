export { type ClientOptions, CodeChef, type Fetch, type RequestOptions } from "./client.ts";
export * from "./errors.ts";
