import { AsyncLocalStorage } from "node:async_hooks";
import type { Fetch } from "./api.ts";

export type Progress = (sent: number, total: number) => void;

const listener = new AsyncLocalStorage<Progress>();

/** Runs `work` with `on` told how much of each multipart body it sends has gone out. */
export const withUploadProgress = <T>(on: Progress, work: () => Promise<T>): Promise<T> =>
  listener.run(on, work);

/** `fetch`, streaming a multipart body through a byte counter when `withUploadProgress` listens. */
export const progressFetch: Fetch = async (input, init) => {
  const on = listener.getStore();
  if (!on || !(init.body instanceof FormData)) return fetch(input, init);
  const encoded = new Response(init.body);
  const body = await encoded.blob();
  let sent = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      sent += chunk.byteLength;
      on(sent, body.size);
      controller.enqueue(chunk);
    },
  });
  const headers = new Headers(init.headers as HeadersInit);
  headers.set("content-type", encoded.headers.get("content-type") ?? "multipart/form-data");
  return fetch(input, {
    ...init,
    headers,
    body: body.stream().pipeThrough(counter),
    duplex: "half",
  } as RequestInit);
};
