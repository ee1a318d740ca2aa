import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";

export const TEST_BUCKET = "codechef-test";

export interface TestS3 {
  /** The S3_* variables of this server. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** An S3 server of the test's own (s3rver) on a free port, with one bucket. */
export async function startS3rver(): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), "codechef-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: TEST_BUCKET, configs: [] }],
  });
  const { port } = await server.run();
  return {
    env: {
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: TEST_BUCKET,
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      S3_FORCE_PATH_STYLE: "true",
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A real S3-compatible server (MinIO) when TEST_S3_ENDPOINT is set, with TEST_S3_ACCESS_KEY_ID and
 * TEST_S3_SECRET_ACCESS_KEY; a bucket of the run's own is created.
 */
export async function realS3(): Promise<TestS3 | undefined> {
  const endpoint = process.env.TEST_S3_ENDPOINT;
  if (!endpoint) return undefined;
  const bucket = `codechef-test-${Date.now().toString(36)}`;
  const credentials = {
    accessKeyId: process.env.TEST_S3_ACCESS_KEY_ID ?? "minioadmin",
    secretAccessKey: process.env.TEST_S3_SECRET_ACCESS_KEY ?? "minioadmin",
  };
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    env: {
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: "true",
    },
    stop: async () => {},
  };
}

export function s3Settings(env: Record<string, string>) {
  return {
    endpoint: env.S3_ENDPOINT,
    bucket: env.S3_BUCKET ?? TEST_BUCKET,
    region: env.S3_REGION ?? "us-east-1",
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: true,
  };
}
