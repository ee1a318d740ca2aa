/** STOMP 1.2 frames: https://stomp.github.io/stomp-specification-1.2.html */
export interface StompFrame {
  command: string;
  /** The first occurrence of each header (a repeat is ignored, as the spec says). */
  headers: Record<string, string>;
  body: string;
}

/** A frame that breaks the protocol, or one that grows past the frame limit (`tooLarge`). */
export class StompProtocolError extends Error {
  readonly tooLarge: boolean;

  constructor(message: string, tooLarge = false) {
    super(message);
    this.tooLarge = tooLarge;
  }
}

export interface DecoderLimits {
  /** The largest frame, from its command to its NUL. */
  maxFrameBytes: number;
  maxHeaders: number;
  maxHeaderLength: number;
}

const DEFAULT_LIMITS: DecoderLimits = { maxFrameBytes: 64 * 1024, maxHeaders: 32, maxHeaderLength: 4096 };
const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
/** Longer than any command: a first line that runs past this without an LF is not STOMP. */
const MAX_COMMAND_BYTES = 16;

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

const ESCAPED = /[\\\r\n:]/;

function escapeHeader(text: string): string {
  if (!ESCAPED.test(text)) return text;
  return text.replace(/[\\\r\n:]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\r" ? "\\r" : c === "\n" ? "\\n" : "\\c",
  );
}

/** A frame whose command and headers have arrived; its body ends at `bodyEnd` when it declared a length. */
interface Head {
  command: string;
  headers: Record<string, string>;
  bodyStart: number;
  bodyEnd: number | undefined;
}

/**
 * Turns a byte stream into frames, however it is cut: a frame may arrive in pieces over several WebSocket
 * messages, and one message may hold several frames (as stream-style clients and brokers do). Heart-beats (bare
 * EOLs) between frames are skipped. Each byte is scanned once, and at most one frame (up to its limit) is held.
 */
export class StompDecoder {
  readonly #limits: DecoderLimits;
  /** Bytes of an unfinished frame, `#length` of them. */
  #buffer = Buffer.alloc(0);
  #length = 0;
  #head: Head | undefined;
  /** How far into the unfinished frame the search for its next terminator has gone. */
  #scanned = 0;

  constructor(limits: Partial<DecoderLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Bytes held for a frame not yet complete. */
  get pendingBytes(): number {
    return this.#length;
  }

  /** The frames the chunk completes, in order. Throws `StompProtocolError` at the first bad one. */
  push(chunk: Buffer): StompFrame[] {
    const buffered = this.#length > 0;
    const data = buffered ? this.#append(chunk) : chunk;
    const frames: StompFrame[] = [];
    let at = 0;
    for (;;) {
      if (!this.#head) at = skipHeartBeats(data, at);
      const end = at < data.length ? this.#frameEnd(data, at) : -1;
      if (end === -1) break;
      frames.push(this.#take(data, end));
      at = end + 1;
    }
    this.#keep(data, at, buffered);
    return frames;
  }

  /** Where the frame starting at `start` ends (its NUL), or -1 while it is incomplete. */
  #frameEnd(data: Buffer, start: number): number {
    const { maxFrameBytes } = this.#limits;
    this.#head ??= this.#readHead(data, start);
    const head = this.#head;
    let end = -1;
    if (head?.bodyEnd !== undefined) {
      if (data.length > head.bodyEnd) {
        if (data[head.bodyEnd] !== NUL)
          throw new StompProtocolError("the body does not match content-length");
        end = head.bodyEnd;
      }
    } else if (head) {
      end = data.indexOf(NUL, start + this.#scanned);
      if (end === -1) this.#scanned = data.length - start;
    }
    const size =
      (head?.bodyEnd !== undefined ? head.bodyEnd + 1 : end === -1 ? data.length : end + 1) - start;
    if (size > maxFrameBytes) {
      throw new StompProtocolError(`frames are limited to ${maxFrameBytes} bytes`, true);
    }
    return end;
  }

  /** Reads the command and headers once they have all arrived; undefined until then. */
  #readHead(data: Buffer, start: number): Head | undefined {
    checkCommand(data, start);
    const from = start + this.#scanned;
    const headersEnd = blankLineEnd(data, from);
    const nul = data.indexOf(NUL, from);
    if (nul !== -1 && (headersEnd === -1 || nul < headersEnd)) {
      throw new StompProtocolError("NUL before the end of the headers");
    }
    if (headersEnd === -1) {
      // An LF at the very end may begin the blank line: look at it again with the next chunk.
      this.#scanned = Math.max(0, data.length - 2 - start);
      return undefined;
    }
    const head = parseHead(data.toString("utf8", start, headersEnd), this.#limits);
    const declared = head.headers["content-length"];
    let bodyEnd: number | undefined;
    if (declared !== undefined) {
      if (!/^\d{1,9}$/.test(declared)) throw new StompProtocolError("content-length is not a number");
      bodyEnd = headersEnd + Number(declared);
    }
    this.#scanned = headersEnd - start;
    return { ...head, bodyStart: headersEnd, bodyEnd };
  }

  #take(data: Buffer, end: number): StompFrame {
    const head = this.#head as Head;
    this.#head = undefined;
    this.#scanned = 0;
    return { command: head.command, headers: head.headers, body: data.toString("utf8", head.bodyStart, end) };
  }

  #append(chunk: Buffer): Buffer {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    chunk.copy(this.#buffer, this.#length);
    this.#length = needed;
    return this.#buffer.subarray(0, needed);
  }

  /** Keeps the unfinished frame from `start` on; offsets in `#head` are rebased to its new position. */
  #keep(data: Buffer, start: number, buffered: boolean): void {
    const rest = data.length - start;
    if (rest === 0) {
      this.#length = 0;
      if (this.#buffer.length > 64 * 1024) this.#buffer = Buffer.alloc(0);
      return;
    }
    if (buffered) {
      if (start > 0) this.#buffer.copyWithin(0, start, data.length);
    } else {
      if (this.#buffer.length < rest) this.#buffer = Buffer.allocUnsafe(Math.max(rest, 4096));
      data.copy(this.#buffer, 0, start);
    }
    this.#length = rest;
    if (this.#head) {
      this.#head.bodyStart -= start;
      if (this.#head.bodyEnd !== undefined) this.#head.bodyEnd -= start;
    }
  }
}

function skipHeartBeats(data: Buffer, start: number): number {
  let at = start;
  while (at < data.length && (data[at] === LF || (data[at] === CR && data[at + 1] === LF))) {
    at += data[at] === CR ? 2 : 1;
  }
  return at;
}

/** Refuses a first line that cannot be a command as soon as its first bytes arrive. */
function checkCommand(data: Buffer, start: number): void {
  const stop = Math.min(data.length, start + MAX_COMMAND_BYTES);
  for (let at = start; at < stop; at++) {
    const byte = data[at] as number;
    // Heart-beats are skipped before this, so an EOL here ends a command (or a lone CR awaits its LF).
    if (byte === LF || (byte === CR && (at + 1 === data.length || data[at + 1] === LF))) return;
    if (byte < 0x41 || byte > 0x5a) throw new StompProtocolError("malformed command line");
  }
  if (stop - start === MAX_COMMAND_BYTES) throw new StompProtocolError("malformed command line");
}

/** The offset just past the first blank line (LF LF or LF CR LF) at or after `from`, or -1. */
function blankLineEnd(data: Buffer, from: number): number {
  for (let lf = data.indexOf(LF, from); lf !== -1; lf = data.indexOf(LF, lf + 1)) {
    if (data[lf + 1] === LF) return lf + 2;
    if (data[lf + 1] === CR && data[lf + 2] === LF) return lf + 3;
  }
  return -1;
}

/** Parses `COMMAND EOL (header EOL)* EOL`. */
function parseHead(text: string, limits: DecoderLimits): Pick<Head, "command" | "headers"> {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  const [command = "", ...headerLines] = lines.slice(0, -2);
  if (!/^[A-Z]+$/.test(command)) throw new StompProtocolError("malformed command line");
  if (headerLines.length > limits.maxHeaders) throw new StompProtocolError("too many headers");
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    if (line.length > limits.maxHeaderLength) throw new StompProtocolError("header too long");
    const colon = line.indexOf(":");
    if (colon <= 0) throw new StompProtocolError("malformed header line");
    const raw = [line.slice(0, colon), line.slice(colon + 1)] as const;
    const [name, value] = UNESCAPED.has(command) ? raw : raw.map(unescapeHeader);
    if (name !== undefined && value !== undefined && !(name in headers)) headers[name] = value;
  }
  return { command, headers };
}

/** Serialises a frame; a body gets its content-length so it may contain NUL. */
export function serializeFrame({ command, headers, body }: StompFrame): string {
  const encode = UNESCAPED.has(command) ? (text: string) => text : escapeHeader;
  const lines = [command];
  const all = body ? { ...headers, "content-length": String(Buffer.byteLength(body)) } : headers;
  for (const [name, value] of Object.entries(all)) lines.push(`${encode(name)}:${encode(value)}`);
  return `${lines.join("\n")}\n\n${body}\0`;
}

/**
 * A JSON MESSAGE going to many subscriptions: its destination, content headers and body are serialised once,
 * and each subscription's frame only puts its own headers in front.
 */
export class OutgoingMessage {
  readonly destination: string;
  readonly #tail: string;

  constructor(destination: string, body: string) {
    this.destination = destination;
    this.#tail = `destination:${escapeHeader(destination)}\ncontent-type:application/json\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\0`;
  }

  /** The frame for one subscription; `ack` set when it acknowledges by message id. */
  frame(subscription: string, messageId: string, ack: boolean): string {
    const id = escapeHeader(messageId);
    return `MESSAGE\nsubscription:${escapeHeader(subscription)}\nmessage-id:${id}\n${ack ? `ack:${id}\n` : ""}${this.#tail}`;
  }
}

export const HEART_BEAT = "\n";
