import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { parse as parseDisposition } from "content-disposition";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectStorage } from "../src/ports.ts";
import { backends, describeEachBackend } from "./support/backends.ts";
import { bearer } from "./support/community.ts";
import { signedInAdmin, signedInUser } from "./support/factories.ts";
import { startS3rver, type TestS3 } from "./support/s3.ts";
import { startTestServer, type TestServer } from "./support/test-server.ts";

const MiB = 1024 * 1024;

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } });
const jpegWithExif = () =>
  solid(64, 48)
    .withExif({ IFD0: { Copyright: "secret-owner", Artist: "gps-person" } })
    .jpeg()
    .toBuffer();
const pngWithExif = () =>
  solid(32, 16)
    .withExif({ IFD0: { Copyright: "secret-owner" } })
    .png()
    .toBuffer();

/** A PNG whose header claims 50,000 × 50,000 pixels, a few dozen bytes long. */
function pngBomb(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(50_000, 0);
  header.writeUInt32BE(50_000, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

interface Part {
  name: string;
  data: Buffer;
  type?: string;
  /** Sent as RFC 5987 `filename*` (how clients send names that are not plain ASCII). */
  encoded?: boolean;
}

/** A multipart body written by hand, so names and types are exactly what a hostile client would send. */
function multipart(parts: Part[]) {
  const boundary = `----codechef${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; ` +
          (part.encoded ? `filename*=UTF-8''${encodeURIComponent(part.name)}` : `filename="${part.name}"`) +
          "\r\n" +
          `Content-Type: ${part.type ?? "application/octet-stream"}\r\n\r\n`,
        "utf8",
      ),
      part.data,
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A storage that fails the `failOnPut`-th write from now on (a replace broken half way). */
class FlakyStorage implements ObjectStorage {
  readonly name = "storage";
  failOnPut = 0;
  readonly #inner: ObjectStorage;
  constructor(inner: ObjectStorage) {
    this.#inner = inner;
  }
  ping = () => this.#inner.ping();
  async put(...args: Parameters<ObjectStorage["put"]>) {
    if (this.failOnPut > 0 && --this.failOnPut === 0) throw new Error("storage write failed");
    return this.#inner.put(...args);
  }
  get = (key: string) => this.#inner.get(key);
  delete = (key: string) => this.#inner.delete(key);
  url = (key: string) => this.#inner.url(key);
}

function attachmentSuite(start: (storage: (chosen: ObjectStorage) => ObjectStorage) => Promise<TestServer>) {
  let server: TestServer;
  let flaky: FlakyStorage;
  let author: Awaited<ReturnType<typeof signedInUser>>;
  let boardId: number;
  beforeAll(async () => {
    server = await start((chosen) => {
      flaky = new FlakyStorage(chosen);
      return flaky;
    });
    author = await signedInUser(server);
  });
  afterAll(() => server?.stop());

  const newBoard = async () =>
    (await author.client.boards.create({ title: "with images", contents: "c" })).id;
  const upload = async (id: number, parts: Part[], token = author.session.accessToken) => {
    const { body, contentType } = multipart(parts);
    const response = await fetch(`${server.url}/api/v1/boards/${id}/attachments`, {
      method: "POST",
      ...bearer(token, { headers: { "content-type": contentType }, body }),
    });
    return { status: response.status, body: await response.json() };
  };
  const download = (url: string) => fetch(url.startsWith("/") ? server.url + url : url);
  const expectRefused = async (parts: Part[], status: number, code: string) => {
    const id = await newBoard();
    const answer = await upload(id, parts);
    expect(answer, JSON.stringify(answer.body)).toMatchObject({ status, body: { error: { code } } });
    expect((await author.client.boards.attachments.list(id)).items).toEqual([]);
  };

  beforeAll(async () => {
    boardId = await newBoard();
  });

  it("accepts a real JPEG and PNG, re-encoded without their EXIF, listed and served by their bytes' type", async () => {
    const [jpeg, png] = await Promise.all([jpegWithExif(), pngWithExif()]);
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();
    const { items } = await author.client.boards.attachments.upload(boardId, [
      { name: "photo.jpg", data: jpeg },
      new File([png], "diagram.png"),
    ]);
    expect(
      items.map(({ name, contentType, width, height }) => ({ name, contentType, width, height })),
    ).toEqual([
      { name: "photo.jpg", contentType: "image/jpeg", width: 64, height: 48 },
      { name: "diagram.png", contentType: "image/png", width: 32, height: 16 },
    ]);
    expect((await author.client.boards.attachments.list(boardId)).items).toEqual(items);
    for (const item of items) {
      const response = await download(item.url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(item.contentType);
      if (item.url.startsWith("/")) {
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect(parseDisposition(response.headers.get("content-disposition") ?? "")).toMatchObject({
          type: "inline",
          parameters: { filename: item.name },
        });
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(bytes.length).toBe(item.size);
      expect((await sharp(bytes).metadata()).exif).toBeUndefined();
      expect(bytes.includes("secret-owner")).toBe(false);
      expect(item.url).not.toContain(item.name);
    }
  });

  it("refuses a GIF", async () => {
    const gif = await solid(8, 8).gif().toBuffer();
    await expectRefused([{ name: "anim.gif", data: gif, type: "image/gif" }], 415, "UNSUPPORTED_FILE_TYPE");
  });

  it("refuses a PNG named .jpg and declared image/jpeg", async () => {
    await expectRefused(
      [{ name: "fake.jpg", data: await pngWithExif(), type: "image/jpeg" }],
      415,
      "UNSUPPORTED_FILE_TYPE",
    );
  });

  it("refuses HTML and PHP named .png", async () => {
    const html = Buffer.from("<html><script>alert(document.cookie)</script></html>");
    await expectRefused([{ name: "page.png", data: html, type: "image/png" }], 415, "UNSUPPORTED_FILE_TYPE");
    await expectRefused(
      [{ name: "shell.png", data: Buffer.from("<?php system($_GET['c']); ?>"), type: "image/png" }],
      415,
      "UNSUPPORTED_FILE_TYPE",
    );
  });

  it("refuses a file of 5 MiB + 1 byte with 413", async () => {
    const big = Buffer.alloc(5 * MiB + 1, 0x41);
    big.set([0xff, 0xd8, 0xff], 0);
    await expectRefused([{ name: "big.jpg", data: big }], 413, "PAYLOAD_TOO_LARGE");
  });

  it("refuses 10 MiB + 1 byte across files with 413", async () => {
    const part = (size: number, name: string) => ({ name, data: Buffer.alloc(size, 0x42) });
    await expectRefused(
      [part(4 * MiB, "a.jpg"), part(4 * MiB, "b.jpg"), part(2 * MiB + 1, "c.jpg")],
      413,
      "PAYLOAD_TOO_LARGE",
    );
  });

  it("answers 413 while the body is still arriving, without waiting for the rest", async () => {
    const id = await newBoard();
    const boundary = "----streaming";
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="endless.jpg"\r\n` +
        "Content-Type: image/jpeg\r\n\r\n",
    );
    // Chunked, no length: 6 MiB of one file is sent, and the body is never finished.
    const answer = await new Promise<{ status: number; code: string }>((resolve, reject) => {
      const request = httpRequest(`${server.url}/api/v1/boards/${id}/attachments`, {
        method: "POST",
        headers: {
          "content-type": `multipart/form-data; boundary=${boundary}`,
          authorization: `Bearer ${author.session.accessToken}`,
        },
      });
      request.on("response", (response) => {
        let text = "";
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, code: JSON.parse(text).error.code });
          request.destroy();
        });
      });
      request.on("error", reject);
      request.write(head);
      for (let i = 0; i < 6; i++) request.write(Buffer.alloc(MiB, 0xff));
    });
    expect(answer).toEqual({ status: 413, code: "PAYLOAD_TOO_LARGE" });
  });

  it("refuses a PNG header claiming 50,000 × 50,000 pixels before decoding it", async () => {
    const before = process.memoryUsage().rss;
    await expectRefused([{ name: "bomb.png", data: pngBomb() }], 400, "IMAGE_TOO_LARGE");
    // Decoding it would take 7.5 GB; the refusal comes from the header alone.
    expect(process.memoryUsage().rss - before).toBeLessThan(500 * MiB);
  });

  it("refuses bad names: 26 characters, a path, NUL, an RTL override", async () => {
    const data = await pngWithExif();
    for (const name of [`${"a".repeat(22)}.png`, "../x.png", "..\\x.png", "..", ""]) {
      await expectRefused([{ name, data }], 400, "INVALID_FILE_NAME");
    }
    for (const name of ["a\u0000.png", "evil\u202egnp.exe.png", "line\nbreak.png"]) {
      await expectRefused([{ name, data, encoded: true }], 400, "INVALID_FILE_NAME");
    }
    // A raw NUL in the part's header is not multipart at all.
    await expectRefused([{ name: "a\u0000.png", data }], 400, "INVALID_INPUT");
  });

  it("accepts a name of 25 characters after NFC", async () => {
    const id = await newBoard();
    const decomposed = `${"e\u0301".repeat(21)}.png`; // 46 code units, 25 characters once composed
    const answer = await upload(id, [{ name: decomposed, data: await pngWithExif() }]);
    expect(answer.status).toBe(201);
    expect(answer.body.items[0].name).toBe(decomposed.normalize("NFC"));
  });

  it("refuses two files of one name", async () => {
    const data = await pngWithExif();
    await expectRefused(
      [
        { name: "same.png", data },
        { name: "same.png", data },
      ],
      400,
      "DUPLICATE_FILE_NAME",
    );
  });

  it("serves a JPEG+HTML polyglot re-encoded, the HTML gone", async () => {
    const id = await newBoard();
    const polyglot = Buffer.concat([
      await jpegWithExif(),
      Buffer.from("<html><script>alert(1)</script></html>"),
    ]);
    const answer = await upload(id, [{ name: "poly.jpg", data: polyglot }]);
    expect(answer.status).toBe(201);
    const bytes = Buffer.from(await (await download(answer.body.items[0].url)).arrayBuffer());
    expect(bytes.includes("<script")).toBe(false);
    expect(bytes.includes("<html")).toBe(false);
  });

  it("replaces the set, and a replace that fails half way leaves the old set", async () => {
    const id = await newBoard();
    const data = await pngWithExif();
    const first = await author.client.boards.attachments.upload(id, [
      { name: "one.png", data },
      { name: "two.png", data },
    ]);
    flaky.failOnPut = 2;
    await expect(
      author.client.boards.attachments.upload(id, [
        { name: "three.png", data },
        { name: "four.png", data },
      ]),
    ).rejects.toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
    expect((await author.client.boards.attachments.list(id)).items).toEqual(first.items);
    for (const item of first.items) expect((await download(item.url)).status).toBe(200);
    // The object written before the failure is gone, not left behind.
    const db = server.container.database.db;
    expect(await db.selectFrom("storage_sweep").selectAll().execute()).toEqual([]);

    const second = await author.client.boards.attachments.upload(id, [{ name: "five.png", data }]);
    expect(second.items.map((item) => item.name)).toEqual(["five.png"]);
    const oldKeys = first.items.map((item) => item.url.split("?")[0]?.split("/").pop() ?? "");
    for (const key of oldKeys) expect(await server.container.storage.get(key)).toBeUndefined();
  });

  it("leaves exactly one set, and no stray objects, after concurrent replaces", async () => {
    const id = await newBoard();
    const data = await pngWithExif();
    const keyOf = (url: string) => url.split("?")[0]?.split("/").pop() ?? "";
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        author.client.boards.attachments.upload(id, [
          { name: `r${i}-a.png`, data },
          { name: `r${i}-b.png`, data },
        ]),
      ),
    );
    const final = (await author.client.boards.attachments.list(id)).items;
    expect(final).toHaveLength(2);
    expect(answers.map((a) => a.items)).toContainEqual(final);
    const finalKeys = new Set(final.map((item) => keyOf(item.url)));
    for (const item of answers.flatMap((a) => a.items)) {
      const stored = await server.container.storage.get(keyOf(item.url));
      expect(stored !== undefined, item.name).toBe(finalKeys.has(keyOf(item.url)));
    }
    expect(await server.container.database.db.selectFrom("storage_sweep").selectAll().execute()).toEqual([]);
  });

  it("lets only the author or an admin change attachments", async () => {
    const id = await newBoard();
    const stranger = await signedInUser(server);
    const data = await pngWithExif();
    const answer = await upload(id, [{ name: "x.png", data }], stranger.session.accessToken);
    expect(answer).toMatchObject({ status: 403 });
    await expect(stranger.client.boards.attachments.clear(id)).rejects.toMatchObject({ status: 403 });
    const admin = await signedInAdmin(server);
    await admin.client.boards.attachments.upload(id, [{ name: "mod.png", data }]);
    await admin.client.boards.attachments.clear(id);
    expect((await author.client.boards.attachments.list(id)).items).toEqual([]);
  });

  it("deletes a board's files once the board is deleted", async () => {
    const id = await newBoard();
    const { items } = await author.client.boards.attachments.upload(id, [
      { name: "gone.png", data: await pngWithExif() },
    ]);
    const key = items[0]?.url.split("?")[0]?.split("/").pop() ?? "";
    expect(await server.container.storage.get(key)).toBeDefined();
    await author.client.boards.delete(id);
    expect(await server.container.storage.get(key)).toBeUndefined();
    expect((await download(items[0]?.url ?? "")).status).toBe(404);
  });

  it("sweeps an object whose rows never committed", async () => {
    const key = `${randomBytes(16).toString("hex")}.png`;
    const db = server.container.database.db;
    await db
      .insertInto("storage_sweep")
      .values({ storage_key: key, due_at: Date.now() + 3_600_000 })
      .execute();
    await server.container.storage.put(key, Buffer.from("orphan"), {
      contentType: "image/png",
      contentDisposition: "inline",
    });
    await server.container.jobs.runDueJobs(Date.now());
    expect(await server.container.storage.get(key)).toBeDefined();
    await server.container.jobs.runDueJobs(Date.now() + 2 * 3_600_000);
    expect(await server.container.storage.get(key)).toBeUndefined();
    expect(await db.selectFrom("storage_sweep").selectAll().execute()).toEqual([]);
  });
}

describeEachBackend("attachments on the local directory", (backend) => {
  attachmentSuite((storage) => startTestServer(backend, { JOB_INTERVAL_MS: "0" }, { storage }));

  it("keeps only committed objects in the directory", async () => {
    // Covered per test above; here the directory itself is checked to hold no partial writes.
    const server = await startTestServer(backend, { JOB_INTERVAL_MS: "0" });
    try {
      const author = await signedInUser(server);
      const board = await author.client.boards.create({ title: "t", contents: "c" });
      await author.client.boards.attachments.upload(board.id, [{ name: "a.png", data: await pngWithExif() }]);
      const files = readdirSync(join(server.env.DATA_DIR ?? "", "files"));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^[0-9a-f]{32}\.png$/);
    } finally {
      await server.stop();
    }
  });
});

const onEmbedded = backends.includes("embedded") ? describe : describe.skip;
onEmbedded("attachments on S3 (s3rver) [embedded]", () => {
  let s3: TestS3;
  afterAll(() => s3?.stop());
  attachmentSuite(async (storage) => {
    s3 = await startS3rver();
    return startTestServer("embedded", { JOB_INTERVAL_MS: "0", ...s3.env }, { storage });
  });
});
