import type { IncomingMessage } from "node:http";
import { AppError } from "../shared/errors.ts";

export const MAX_JSON_BYTES = 1024 * 1024;

/** Reads a JSON body, refusing more than `limit` bytes before reading them all. Undefined when there is none. */
export async function readJson(request: IncomingMessage, limit = MAX_JSON_BYTES): Promise<unknown> {
  const declared = Number(request.headers["content-length"] ?? Number.NaN);
  const chunked = request.headers["transfer-encoding"] !== undefined;
  if (!chunked && (Number.isNaN(declared) || declared === 0)) return undefined;
  const type = request.headers["content-type"] ?? "";
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new AppError(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json");
  }
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(400, "MALFORMED_JSON", "the body is not valid JSON");
  }
}

function tooLarge(limit: number): AppError {
  return new AppError(413, "PAYLOAD_TOO_LARGE", `JSON bodies are limited to ${limit} bytes`);
}
