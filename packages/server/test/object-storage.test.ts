import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStorage } from "../src/adapters/storage/local-storage.ts";
import { S3Storage } from "../src/adapters/storage/s3-storage.ts";
import type { ObjectStorage } from "../src/ports.ts";
import { realS3, s3Settings, startS3rver, type TestS3 } from "./support/s3.ts";

const key = () => `${randomBytes(16).toString("hex")}.png`;
const metadata = { contentType: "image/png", contentDisposition: 'inline; filename="a.png"' };

interface Target {
  storage: ObjectStorage;
  /** Downloads what `url()` answers. */
  fetchUrl(url: string): Promise<Response | undefined>;
  stop(): Promise<void>;
}

function storageContract(name: string, start: () => Promise<Target | undefined>) {
  describe(`object storage: ${name}`, () => {
    let target: Target | undefined;
    beforeAll(async () => {
      target = await start();
    });
    afterAll(async () => {
      await target?.stop();
    });
    const storage = () => {
      if (!target) throw new Error(`${name} did not start`);
      return target.storage;
    };

    it("answers its probe", async () => {
      await storage().ping();
    });

    it("stores bytes under a key and gives them back unchanged", async () => {
      const k = key();
      const body = randomBytes(300_000);
      await storage().put(k, body, metadata);
      expect((await storage().get(k))?.equals(body)).toBe(true);
    });

    it("replaces an object written again under its key", async () => {
      const k = key();
      await storage().put(k, Buffer.from("first"), metadata);
      await storage().put(k, Buffer.from("second"), metadata);
      expect((await storage().get(k))?.toString()).toBe("second");
    });

    it("answers undefined for a key it does not hold, and deletes idempotently", async () => {
      const k = key();
      expect(await storage().get(k)).toBeUndefined();
      await storage().put(k, Buffer.from("x"), metadata);
      await storage().delete(k);
      await storage().delete(k);
      expect(await storage().get(k)).toBeUndefined();
    });

    it("gives a URL the object downloads from", async () => {
      const k = key();
      await storage().put(k, Buffer.from("pixels"), metadata);
      const url = await storage().url(k);
      expect(url).toContain(k);
      const response = await target?.fetchUrl(url);
      if (response) {
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("image/png");
        expect(await response.text()).toBe("pixels");
      }
    });
  });
}

storageContract("local directory", async () => {
  const directory = mkdtempSync(join(tmpdir(), "codechef-files-"));
  return {
    storage: new LocalStorage(directory),
    // The directory's URLs are paths the API server serves (attachments.test.ts downloads them).
    fetchUrl: async (url) => {
      expect(url).toMatch(/^\/files\/[0-9a-f]{32}\.png$/);
      return undefined;
    },
    stop: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

function s3Target(server: TestS3): Target {
  const storage = new S3Storage(s3Settings(server.env));
  return {
    storage,
    fetchUrl: (url) => fetch(url),
    stop: async () => {
      storage.close();
      await server.stop();
    },
  };
}

storageContract("S3 (s3rver)", async () => s3Target(await startS3rver()));

const minio = process.env.TEST_S3_ENDPOINT ? describe : describe.skip;
minio("with TEST_S3_ENDPOINT", () => {
  storageContract("S3 (TEST_S3_ENDPOINT)", async () => {
    const server = await realS3();
    return server && s3Target(server);
  });
});

describe("local directory keys", () => {
  it("refuses a key that could leave the directory", async () => {
    const directory = mkdtempSync(join(tmpdir(), "codechef-files-"));
    const storage = new LocalStorage(directory);
    await expect(storage.put("../escape.png", Buffer.from("x"), metadata)).rejects.toThrow(
      /not a storage key/,
    );
    await expect(storage.get("a/b")).rejects.toThrow(/not a storage key/);
    rmSync(directory, { recursive: true, force: true });
  });
});
