import type { IncomingMessage } from "node:http";
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_NAME, MAX_UPLOAD_BYTES } from "@codechef/contract";
import busboy from "busboy";
import { AppError, BadRequestError, ValidationError } from "../../shared/errors.ts";

const MAX_FILES = 20;
/** The multipart framing around the files (boundaries, part headers) a request may add to MAX_UPLOAD_BYTES. */
const FRAMING_ALLOWANCE = 64 * 1024;

export interface UploadedFile {
  name: string;
  data: Buffer;
}

/**
 * Reads the `files` parts of a multipart request, holding at most MAX_UPLOAD_BYTES: the parser's limits stop a
 * file at MAX_ATTACHMENT_BYTES and the request at MAX_UPLOAD_BYTES, and the rest is not read.
 */
export function readFiles(request: IncomingMessage): Promise<UploadedFile[]> {
  const type = request.headers["content-type"] ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    return Promise.reject(
      new AppError(415, "UNSUPPORTED_MEDIA_TYPE", "send the files as multipart/form-data, field `files`"),
    );
  }
  const declared = Number(request.headers["content-length"] ?? Number.NaN);
  if (declared > MAX_UPLOAD_BYTES + FRAMING_ALLOWANCE) return Promise.reject(requestTooLarge());

  return new Promise((resolve, reject) => {
    const files: UploadedFile[] = [];
    const names = new Set<string>();
    let total = 0;
    let failed = false;
    const parser = busboy({
      headers: request.headers,
      preservePath: true,
      defParamCharset: "utf8",
      limits: {
        fileSize: MAX_ATTACHMENT_BYTES,
        files: MAX_FILES,
        fields: 10,
        fieldSize: 1024,
        parts: MAX_FILES + 10,
      },
    });
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      request.unpipe(parser);
      parser.removeAllListeners();
      parser.on("error", () => {});
      reject(error);
    };
    parser.on("file", (field, stream, info) => {
      const chunks: Buffer[] = [];
      let name: string;
      try {
        if (field !== "files")
          throw new BadRequestError(`unexpected file field \`${field}\`; use \`files\``, "INVALID_INPUT");
        name = checkName(info.filename ?? "");
        if (names.has(name)) throw new BadRequestError(`two files are named ${name}`, "DUPLICATE_FILE_NAME");
        names.add(name);
      } catch (error) {
        stream.resume();
        fail(error as Error);
        return;
      }
      stream.on("data", (chunk: Buffer) => {
        total += chunk.length;
        if (total > MAX_UPLOAD_BYTES) fail(requestTooLarge());
        else chunks.push(chunk);
      });
      stream.on("limit", () =>
        fail(tooLarge(`${name}: a file may have at most ${MAX_ATTACHMENT_BYTES} bytes`)),
      );
      stream.on("end", () => {
        if (!failed) files.push({ name, data: Buffer.concat(chunks) });
      });
    });
    parser.on("filesLimit", () =>
      fail(new BadRequestError(`at most ${MAX_FILES} files at once`, "INVALID_INPUT")),
    );
    parser.on("partsLimit", () => fail(new BadRequestError("too many parts", "INVALID_INPUT")));
    parser.on("error", () => fail(new BadRequestError("the multipart body is malformed", "INVALID_INPUT")));
    parser.on("close", () => {
      if (failed) return;
      if (files.length === 0) {
        fail(new ValidationError([{ path: "body.files", message: "send at least one file" }]));
        return;
      }
      resolve(files);
    });
    request.on("error", (error) => fail(error));
    request.pipe(parser);
  });
}

const requestTooLarge = () => tooLarge(`an upload may have at most ${MAX_UPLOAD_BYTES} bytes in all`);

// The connection closes after the answer, so the rest of the body is never read.
const tooLarge = (message: string) =>
  new AppError(413, "PAYLOAD_TOO_LARGE", message, undefined, { Connection: "close" });

/** 1–25 characters after NFC, no control or invisible formatting characters (RTL overrides), no path. */
export function checkName(raw: string): string {
  const name = raw.normalize("NFC");
  const length = [...name].length;
  const problem =
    length < 1 || length > MAX_ATTACHMENT_NAME
      ? `must have 1 to ${MAX_ATTACHMENT_NAME} characters`
      : /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)
        ? "must not hold control or formatting characters"
        : /[/\\]/.test(name)
          ? "must not hold a slash"
          : /^\.+$/.test(name)
            ? "must not be dots only"
            : undefined;
  if (problem)
    throw new BadRequestError(`the file name ${JSON.stringify(raw)} ${problem}`, "INVALID_FILE_NAME");
  return name;
}
