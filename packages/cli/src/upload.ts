import { AsyncLocalStorage } from "node:async_hooks";
import type { Fetch } from "./api.ts";

export type Progress = (sent: number, total: number) => void;

const listener = new AsyncLocalStorage<Progress>();
const CHUNK = 64 * 1024;

/** Runs `work` with `on` told how much of each multipart body it sends has gone out. */
export const withUploadProgress = <T>(on: Progress, work: () => Promise<T>): Promise<T> =>
  listener.run(on, work);

/** `fetch`, streaming a multipart body through a byte counter when `withUploadProgress` listens. */
export const progressFetch: Fetch = async (input, init) => {
  const on = listener.getStore();
  if (!on || !(init.body instanceof FormData)) return fetch(input, init);
  const encoded = new Response(init.body);
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  let sent = 0;
  // Pulled only as fetch writes to the socket, so what is counted has gone out (up to the socket's buffer).
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const piece = bytes.subarray(sent, sent + CHUNK);
        if (piece.length === 0) return controller.close();
        controller.enqueue(piece);
        sent += piece.length;
        on(sent, bytes.length);
      },
    },
    { highWaterMark: 0 },
  );
  const headers = new Headers(init.headers as HeadersInit);
  headers.set("content-type", encoded.headers.get("content-type") ?? "multipart/form-data");
  return fetch(input, { ...init, headers, body, duplex: "half" } as RequestInit);
};
