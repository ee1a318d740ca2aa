import { describe, expect, it } from "vitest";
import {
  OutgoingMessage,
  StompDecoder,
  StompProtocolError,
  serializeFrame,
} from "../src/realtime/stomp-frames.ts";

/** Every frame in the text, which must hold whole frames only. */
const parse = (text: string) => {
  const decoder = new StompDecoder();
  const frames = decoder.push(Buffer.from(text, "utf8"));
  expect(decoder.pendingBytes).toBe(0);
  return frames;
};

describe("STOMP frame codec", () => {
  it("parses a frame with headers and a body up to NUL", () => {
    expect(parse("SEND\ndestination:/app/x\n\nhello\0")).toEqual([
      { command: "SEND", headers: { destination: "/app/x" }, body: "hello" },
    ]);
  });

  it("accepts CRLF line ends and skips heart-beats between frames", () => {
    const frames = parse("\n\r\nSUBSCRIBE\r\nid:1\r\ndestination:/a\r\n\r\n\0\nUNSUBSCRIBE\nid:1\n\n\0\n");
    expect(frames.map((f) => f.command)).toEqual(["SUBSCRIBE", "UNSUBSCRIBE"]);
    expect(frames[0]?.headers).toEqual({ id: "1", destination: "/a" });
  });

  it("returns nothing for a message that is only heart-beats", () => {
    expect(parse("\n")).toEqual([]);
  });

  it("decodes the four header escapes and keeps the first of a repeated header", () => {
    const [frame] = parse("SEND\na\\cb:c\\\\d\\ne\\rf\nx:first\nx:second\n\n\0");
    expect(frame?.headers).toEqual({ "a:b": "c\\d\ne\rf", x: "first" });
  });

  it("takes CONNECT headers literally", () => {
    const [frame] = parse("CONNECT\npasscode:a\\b\n\n\0");
    expect(frame?.headers.passcode).toBe("a\\b");
  });

  it("rejects an unknown escape", () => {
    expect(() => parse("SEND\na:b\\t\n\n\0")).toThrow(StompProtocolError);
  });

  it("reads exactly content-length bytes, NUL included, counting UTF-8 bytes", () => {
    const body = "가\0나";
    const [frame] = parse(`SEND\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\0`);
    expect(frame?.body).toBe(body);
  });

  it("rejects a content-length that does not end at a NUL, or is not a number", () => {
    expect(() => parse("SEND\ncontent-length:2\n\nabc\0")).toThrow(/content-length/);
    expect(() => parse("SEND\ncontent-length:-1\n\n\0")).toThrow(/content-length/);
  });

  it("rejects malformed frames as soon as their bytes show it", () => {
    const early = (text: string) => new StompDecoder().push(Buffer.from(text, "utf8"));
    expect(() => early("garbage")).toThrow(/command/);
    expect(() => early("SENDSENDSENDSENDSEND")).toThrow(/command/);
    expect(() => early("SEND\ndestination:/a\0")).toThrow(/NUL/);
    expect(() => parse("send\n\n\0")).toThrow(/command/);
    expect(() => parse("SEND\nno-colon\n\n\0")).toThrow(/header/);
  });

  it("rejects NUL in a header line, escaped headers and CONNECT's literal ones alike", () => {
    expect(() => parse("SUBSCRIBE\nid:1\0x\ndestination:/a\n\n\0")).toThrow(/NUL/);
    expect(() => parse("SUBSCRIBE\ni\0d:1\ndestination:/a\n\n\0")).toThrow(/NUL/);
    expect(() => parse("CONNECT\naccept-version:1.2\0\n\n\0")).toThrow(/NUL/);
  });

  it("bounds the number of headers", () => {
    const headers = Array.from({ length: 40 }, (_, i) => `h${i}:v`).join("\n");
    expect(() => parse(`SEND\n${headers}\n\n\0`)).toThrow(/too many headers/);
  });

  it("reassembles a frame cut anywhere, and several frames in one chunk", () => {
    const text = "\r\nSEND\r\ndestination:/a\r\n\r\nhello\0\nSUBSCRIBE\nid:1\ndestination:/b\n\n\0";
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const second of [cut + 1, bytes.length]) {
        const decoder = new StompDecoder();
        const frames = [bytes.subarray(0, cut), bytes.subarray(cut, second), bytes.subarray(second)].flatMap(
          (chunk) => decoder.push(chunk),
        );
        expect(
          frames.map((f) => [f.command, f.body]),
          `cut at ${cut}, ${second}`,
        ).toEqual([
          ["SEND", "hello"],
          ["SUBSCRIBE", ""],
        ]);
        expect(decoder.pendingBytes).toBe(0);
      }
    }
  });

  it("reassembles a content-length body that holds NUL across chunks, byte by byte", () => {
    const body = "a\0b가";
    const bytes = Buffer.from(`SEND\ncontent-length:${Buffer.byteLength(body)}\n\n${body}\0`);
    const decoder = new StompDecoder();
    const frames = [...bytes].flatMap((byte) => decoder.push(Buffer.from([byte])));
    expect(frames.map((f) => f.body)).toEqual([body]);
  });

  it("holds an unfinished frame up to the frame limit, then refuses it as too large", () => {
    const decoder = new StompDecoder({ maxFrameBytes: 100 });
    expect(decoder.push(Buffer.from("SEND\ndestination:/a\n\n"))).toEqual([]);
    expect(decoder.push(Buffer.from("x".repeat(70)))).toEqual([]);
    expect(decoder.pendingBytes).toBe(91);
    expect(() => decoder.push(Buffer.from("x".repeat(10)))).toThrow(
      expect.objectContaining({ tooLarge: true }),
    );
    const declared = new StompDecoder({ maxFrameBytes: 100 });
    expect(() => declared.push(Buffer.from("SEND\ncontent-length:500\n\n"))).toThrow(
      expect.objectContaining({ tooLarge: true }),
    );
    const headers = new StompDecoder({ maxFrameBytes: 100 });
    expect(() => headers.push(Buffer.from(`SEND\nh:${"v".repeat(200)}`))).toThrow(
      expect.objectContaining({ tooLarge: true }),
    );
  });

  it("serialises with escapes and content-length, and parses back", () => {
    const frame = { command: "MESSAGE", headers: { "a:b": "line\nbreak\\" }, body: '{"k":"가"}' };
    const text = serializeFrame(frame);
    expect(text).toContain("a\\cb:line\\nbreak\\\\\n");
    expect(text).toContain(`content-length:${Buffer.byteLength(frame.body)}`);
    expect(parse(text)).toEqual([
      { ...frame, headers: { ...frame.headers, "content-length": String(Buffer.byteLength(frame.body)) } },
    ]);
  });

  it("does not escape CONNECTED headers", () => {
    expect(serializeFrame({ command: "CONNECTED", headers: { "heart-beat": "0,0" }, body: "" })).toBe(
      "CONNECTED\nheart-beat:0,0\n\n\0",
    );
  });

  it("builds each subscription's MESSAGE from one shared serialisation, escaping its headers", () => {
    const body = '{"content":"가\\u0000"}';
    const message = new OutgoingMessage("/topic/a:b", body);
    const shared = {
      destination: "/topic/a:b",
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
    };
    expect(parse(message.frame("sub:1\n", "s-1", false) + message.frame("2", "s-2", true))).toEqual([
      { command: "MESSAGE", headers: { subscription: "sub:1\n", "message-id": "s-1", ...shared }, body },
      {
        command: "MESSAGE",
        headers: { subscription: "2", "message-id": "s-2", ack: "s-2", ...shared },
        body,
      },
    ]);
  });
});
