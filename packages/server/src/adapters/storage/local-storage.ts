import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ObjectMetadata, ObjectStorage } from "../../ports.ts";

/** Keys are made by the server; anything else is refused before it reaches the file system. */
const KEY = /^[A-Za-z0-9_-]{1,64}(\.[a-z]{1,5})?$/;

/** The embedded object storage: one file per object in a directory, served by this server at `/files/{key}`. */
export class LocalStorage implements ObjectStorage {
  readonly name = "storage";
  readonly #directory: string;

  constructor(directory: string) {
    this.#directory = directory;
  }

  async ping(): Promise<void> {
    await mkdir(this.#directory, { recursive: true });
    await stat(this.#directory);
  }

  async put(key: string, body: Buffer, _metadata: ObjectMetadata): Promise<void> {
    const path = this.#path(key);
    await mkdir(this.#directory, { recursive: true });
    // Written aside and renamed: a reader never sees half an object.
    const partial = join(this.#directory, `.${randomUUID()}.partial`);
    await writeFile(partial, body);
    await rename(partial, path);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async url(key: string): Promise<string> {
    this.#path(key);
    return `/files/${key}`;
  }

  #path(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
    return join(this.#directory, key);
  }
}
