import { describe, expect, it } from "vitest";
import { parseFrames, StompProtocolError, serializeFrame } from "../src/realtime/stomp-frames.ts";

const parse = (text: string) => parseFrames(Buffer.from(text, "utf8"));

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

  it("rejects incomplete and malformed frames", () => {
    expect(() => parse("SEND\ndestination:/a\n\nno nul")).toThrow(/NUL/);
    expect(() => parse("SEND\ndestination:/a")).toThrow(/headers/);
    expect(() => parse("garbage")).toThrow(StompProtocolError);
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
});
