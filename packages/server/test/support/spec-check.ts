import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { openApiDocument } from "@codechef/contract";
import type { ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { onTestFinished } from "vitest";

const DOCUMENT_ID = "https://codechef.test/openapi.json";
const document = openApiDocument("test");
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...document, $id: DOCUMENT_ID });

interface Operation {
  responses: Record<string, { headers?: Record<string, { $ref: string }>; content?: unknown }>;
}

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`),
  literals: template.split("/").filter((part) => part && !part.startsWith("{")).length,
}));

const pointer = (...parts: string[]) =>
  parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
const validators = new Map<string, ValidateFunction>();
function validatorAt(path: string): ValidateFunction {
  let validate = validators.get(path);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#/${path}` });
    validators.set(path, validate);
  }
  return validate;
}

export interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

/**
 * What in a response contradicts the OpenAPI document: an undeclared status, a body off its schema, a required
 * header missing. Requests the document does not describe (other paths, a method a path lacks) are not checked.
 */
export function specProblems({ method, path, status, headers, body }: Exchange): string[] {
  const match = templates
    .filter(({ pattern }) => pattern.test(path))
    .sort((a, b) => b.literals - a.literals)[0];
  const operations = match && (document.paths[match.template] as Record<string, Operation>);
  const operation = operations?.[method.toLowerCase()];
  if (!match || !operation || path === "/ws") return [];
  const where = `${method} ${path} → ${status}`;
  const response = operation.responses[status];
  if (!response) return [`${where}: status not declared (${Object.keys(operation.responses).join(", ")})`];
  const problems: string[] = [];
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const required = (document.components.headers as Record<string, { required?: boolean }>)[
      header.$ref.split("/").at(-1) ?? ""
    ]?.required;
    if (required && headers[name.toLowerCase()] === undefined) problems.push(`${where}: no ${name} header`);
  }
  if (response.content) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [...problems, `${where}: the body is not JSON: ${body.slice(0, 200)}`];
    }
    const validate = validatorAt(
      pointer("paths", match.template, method.toLowerCase(), "responses", String(status), "content") +
        "/application~1json/schema",
    );
    if (!validate(parsed)) {
      problems.push(`${where}: ${ajv.errorsText(validate.errors)} in ${body.slice(0, 300)}`);
    }
  } else if (body.length > 0) {
    problems.push(`${where}: a body where none is declared`);
  }
  return problems;
}

/**
 * Checks every response `server` sends against the document. A mismatch fails the running test; one outside
 * a test (in a `beforeAll`) is kept and thrown by `assertNone()`.
 */
export function checkResponses(server: Server) {
  const outsideTests: string[] = [];
  let checked = 0;
  server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    const { write, end } = response;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === "function") return;
      chunks.push(
        Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), (encoding as BufferEncoding) ?? "utf8"),
      );
    };
    response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk, rest[0]);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse["write"];
    response.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk, rest[0]);
      const problems = specProblems({
        method: request.method ?? "GET",
        path: new URL(request.url ?? "/", "http://x").pathname,
        status: response.statusCode,
        headers: response.getHeaders(),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      checked++;
      if (problems.length > 0) report(problems.join("\n"));
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse["end"];
  });
  const report = (problem: string) => {
    try {
      onTestFinished(() => {
        throw new Error(`response does not match the OpenAPI document:\n${problem}`);
      });
    } catch {
      outsideTests.push(problem);
    }
  };
  return {
    get checked() {
      return checked;
    },
    assertNone() {
      if (outsideTests.length > 0) {
        throw new Error(`responses do not match the OpenAPI document:\n${outsideTests.join("\n")}`);
      }
    },
  };
}
