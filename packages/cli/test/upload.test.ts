import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { progressFetch, withUploadProgress } from "../src/upload.ts";

describe("upload progress", () => {
  it("counts a multipart body as it is sent, and the server receives it whole", async () => {
    // Given a server that answers what it received
    const server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const form = await new Response(Buffer.concat(chunks), {
        headers: { "content-type": request.headers["content-type"] ?? "" },
      }).formData();
      const file = form.get("files") as File;
      response.end(JSON.stringify({ name: file.name, size: file.size }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const form = new FormData();
      form.append("files", new Blob([new Uint8Array(300 * 1024).fill(7)]), "big.png");

      // When it is posted with a progress listener
      const seen: [number, number][] = [];
      const response = await withUploadProgress(
        (sent, total) => seen.push([sent, total]),
        () => progressFetch(url, { method: "POST", body: form }),
      );

      // Then the file arrived whole, and progress rose chunk by chunk to the body's size
      expect(await response.json()).toEqual({ name: "big.png", size: 300 * 1024 });
      const total = seen[0]?.[1] ?? 0;
      expect(total).toBeGreaterThan(300 * 1024);
      expect(seen.length).toBeGreaterThanOrEqual(5);
      expect(seen.map(([sent]) => sent)).toEqual([...seen.map(([sent]) => sent)].sort((a, b) => a - b));
      expect(seen.at(-1)).toEqual([total, total]);

      // And without a listener nothing is counted
      const counted = seen.length;
      const plain = await progressFetch(url, { method: "POST", body: form });
      expect(await plain.json()).toEqual({ name: "big.png", size: 300 * 1024 });
      expect(seen).toHaveLength(counted);
    } finally {
      server.close();
    }
  });
});
