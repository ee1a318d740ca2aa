import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { ObjectMetadata, ObjectStorage } from "../../ports.ts";

export interface S3Settings {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** A public base (a CDN) for the objects; without it, clients get presigned GET URLs. */
  publicUrl?: string;
}

const PRESIGNED_SECONDS = 3600;

/** S3 and S3-compatible storage (MinIO, s3rver): path-style when asked, checksums only where the API needs them. */
export class S3Storage implements ObjectStorage {
  readonly name = "storage";
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #publicUrl: string | undefined;

  constructor(settings: S3Settings) {
    this.#bucket = settings.bucket;
    this.#publicUrl = settings.publicUrl?.replace(/\/+$/, "");
    this.#client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      // Newer SDKs add CRC32 checksums to every request; s3rver and older MinIO refuse or ignore them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      ...(settings.accessKeyId &&
        settings.secretAccessKey && {
          credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
        }),
    });
  }

  async ping(): Promise<void> {
    await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
  }

  async put(key: string, body: Buffer, metadata: ObjectMetadata): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: metadata.contentType,
        ContentDisposition: metadata.contentDisposition,
        CacheControl: "public, max-age=31536000, immutable",
      }),
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const object = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === "NoSuchKey") return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }

  async url(key: string): Promise<string> {
    if (this.#publicUrl) return `${this.#publicUrl}/${encodeURIComponent(key)}`;
    return getSignedUrl(this.#client, new GetObjectCommand({ Bucket: this.#bucket, Key: key }), {
      expiresIn: PRESIGNED_SECONDS,
    });
  }

  close(): void {
    this.#client.destroy();
  }
}
