import { z } from "zod";
import { api } from "./api.ts";
import type { Endpoint } from "./endpoint.ts";
import { ErrorBody } from "./errors.ts";

export const API_BASE_PATH = "/api/v1";

function schema(type: z.ZodType, io: "input" | "output") {
  return z.toJSONSchema(type, { io, unrepresentable: "any" });
}

function parameters(type: z.ZodType | undefined, location: "path" | "query" | "header") {
  if (!type) return [];
  const json = schema(type, "input") as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function operation(name: string, e: Endpoint) {
  const status = String(e.status ?? 200);
  const error = {
    description: "Error",
    content: { "application/json": { schema: schema(ErrorBody, "output") } },
  };
  return {
    operationId: name,
    summary: e.summary,
    tags: [name.split(".")[0]],
    ...(e.access === "none" ? {} : { security: [{ bearer: [] }] }),
    parameters: [
      ...parameters(e.params, "path"),
      ...parameters(e.query, "query"),
      ...parameters(e.headers, "header"),
    ],
    ...(e.body && {
      requestBody: { required: true, content: { "application/json": { schema: schema(e.body, "input") } } },
    }),
    responses: {
      [status]: e.response
        ? {
            description: "Success",
            content: { "application/json": { schema: schema(e.response, "output") } },
          }
        : { description: "Success, no content" },
      default: error,
    },
  };
}

export function endpoints(): Array<[string, Endpoint]> {
  return Object.entries(api).flatMap(([resource, group]) =>
    Object.entries(group as Record<string, Endpoint>).map(([name, e]): [string, Endpoint] => [
      `${resource}.${name}`,
      e,
    ]),
  );
}

export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, e] of endpoints()) {
    const path = API_BASE_PATH + e.path.replace(/:(\w+)/g, "{$1}");
    paths[path] ??= {};
    paths[path][e.method.toLowerCase()] = operation(name, e);
  }
  return {
    openapi: "3.1.0",
    info: { title: "CodeChef API", version },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    paths,
  };
}
