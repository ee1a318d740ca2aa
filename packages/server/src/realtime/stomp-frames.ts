/** STOMP 1.2 frames: https://stomp.github.io/stomp-specification-1.2.html */
export interface StompFrame {
  command: string;
  /** The first occurrence of each header (a repeat is ignored, as the spec says). */
  headers: Record<string, string>;
  body: string;
}

export class StompProtocolError extends Error {}

export interface ParseLimits {
  maxHeaders: number;
  maxHeaderLength: number;
}

const DEFAULT_LIMITS: ParseLimits = { maxHeaders: 32, maxHeaderLength: 4096 };
const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/** CONNECT and CONNECTED predate header escaping; their headers are taken literally. */
const UNESCAPED = new Set(["CONNECT", "CONNECTED"]);

const ESCAPES: Record<string, string> = { r: "\r", n: "\n", c: ":", "\\": "\\" };

function unescapeHeader(text: string): string {
  return text.replace(/\\(.?)/gs, (_, code: string) => {
    const decoded = ESCAPES[code];
    if (decoded === undefined) throw new StompProtocolError(`invalid escape \\${code} in a header`);
    return decoded;
  });
}

function escapeHeader(text: string): string {
  return text.replace(/[\\\r\n:]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\r" ? "\\r" : c === "\n" ? "\\n" : "\\c",
  );
}

/** Reads one line ending at LF (an optional CR before it is dropped); -1 as `next` when there is no LF. */
function readLine(data: Buffer, start: number): { line: string; next: number } {
  const end = data.indexOf(LF, start);
  if (end === -1) return { line: "", next: -1 };
  const stop = end > start && data[end - 1] === CR ? end - 1 : end;
  return { line: data.toString("utf8", start, stop), next: end + 1 };
}

/**
 * Parses every frame in one WebSocket message. Heart-beats (bare EOLs) between frames are skipped and counted.
 * A frame must be complete: STOMP over WebSocket carries whole frames.
 */
export function parseFrames(data: Buffer, limits: ParseLimits = DEFAULT_LIMITS): StompFrame[] {
  const frames: StompFrame[] = [];
  let at = 0;
  for (;;) {
    while (at < data.length && (data[at] === LF || (data[at] === CR && data[at + 1] === LF))) {
      at += data[at] === CR ? 2 : 1;
    }
    if (at >= data.length) return frames;
    const { frame, next } = parseFrame(data, at, limits);
    frames.push(frame);
    at = next;
  }
}

function parseFrame(data: Buffer, start: number, limits: ParseLimits): { frame: StompFrame; next: number } {
  const commandLine = readLine(data, start);
  if (commandLine.next === -1) throw new StompProtocolError("incomplete frame: no end of command line");
  const command = commandLine.line;
  if (!/^[A-Z]+$/.test(command)) throw new StompProtocolError("malformed command line");
  const headers: Record<string, string> = {};
  let count = 0;
  let at = commandLine.next;
  for (;;) {
    const { line, next } = readLine(data, at);
    if (next === -1) throw new StompProtocolError("incomplete frame: headers do not end");
    at = next;
    if (line === "") break;
    if (++count > limits.maxHeaders) throw new StompProtocolError("too many headers");
    if (line.length > limits.maxHeaderLength) throw new StompProtocolError("header too long");
    if (line.includes("\0")) throw new StompProtocolError("NUL in a header line");
    const colon = line.indexOf(":");
    if (colon <= 0) throw new StompProtocolError("malformed header line");
    const raw = [line.slice(0, colon), line.slice(colon + 1)] as const;
    const [name, value] = UNESCAPED.has(command) ? raw : raw.map(unescapeHeader);
    if (name !== undefined && value !== undefined && !(name in headers)) headers[name] = value;
  }
  const declared = headers["content-length"];
  let end: number;
  if (declared !== undefined) {
    if (!/^\d{1,9}$/.test(declared)) throw new StompProtocolError("content-length is not a number");
    end = at + Number(declared);
    if (end >= data.length || data[end] !== NUL) {
      throw new StompProtocolError("the body does not match content-length");
    }
  } else {
    end = data.indexOf(NUL, at);
    if (end === -1) throw new StompProtocolError("incomplete frame: no NUL after the body");
  }
  return { frame: { command, headers, body: data.toString("utf8", at, end) }, next: end + 1 };
}

/** Serialises a frame; a body gets its content-length so it may contain NUL. */
export function serializeFrame({ command, headers, body }: StompFrame): string {
  const encode = UNESCAPED.has(command) ? (text: string) => text : escapeHeader;
  const lines = [command];
  const all = body ? { ...headers, "content-length": String(Buffer.byteLength(body)) } : headers;
  for (const [name, value] of Object.entries(all)) lines.push(`${encode(name)}:${encode(value)}`);
  return `${lines.join("\n")}\n\n${body}\0`;
}

export const HEART_BEAT = "\n";
