import {
  attachments,
  type CreateEventBody,
  events,
  type SubscribeBody,
  subscriptions,
} from "@codechef/contract";
import type { RequestOptions } from "./client.ts";
import { Resource } from "./resources.ts";

/** A file to attach: a `File` (its own name), or bytes with a name (a Node Buffer, a Blob, an ArrayBuffer). */
export type AttachmentInput =
  | File
  | { name: string; data: Blob | ArrayBuffer | ArrayBufferView<ArrayBuffer> };

/** `client.boards.attachments`: a board's images. */
export class AttachmentsResource extends Resource {
  /** Replaces the board's images with these (JPEG or PNG; 5 MiB each, 10 MiB in all). */
  upload(boardId: number, files: AttachmentInput[], options: RequestOptions = {}) {
    const form = new FormData();
    for (const file of files) {
      if (file instanceof File) form.append("files", file, file.name);
      else form.append("files", file.data instanceof Blob ? file.data : new Blob([file.data]), file.name);
    }
    return this.client.request(
      attachments.upload,
      { params: { id: boardId } },
      { ...options, multipart: form },
    );
  }

  list(boardId: number, options?: RequestOptions) {
    return this.client.request(attachments.list, { params: { id: boardId } }, options);
  }

  /** Removes every image of the board. */
  clear(boardId: number, options?: RequestOptions) {
    return this.client.request(attachments.delete, { params: { id: boardId } }, options);
  }
}

export class EventsResource extends Resource {
  /** Admins only. */
  create(body: CreateEventBody, options?: RequestOptions) {
    return this.client.request(events.create, { body }, options);
  }

  list(options?: RequestOptions) {
    return this.client.request(events.list, {}, options);
  }

  get(id: number, options?: RequestOptions) {
    return this.client.request(events.get, { params: { id } }, options);
  }

  /** Takes a seat and the event's points; the answer is the ledger entry. */
  join(id: number, options?: RequestOptions) {
    return this.client.request(events.join, { params: { id } }, options);
  }
}

export class SubscriptionsResource extends Resource {
  plans(options?: RequestOptions) {
    return this.client.request(subscriptions.plans, {}, options);
  }

  /** Charges the first period; pass `idempotencyKey` so a retried call never subscribes (or pays) twice. */
  subscribe(body: SubscribeBody, options?: RequestOptions) {
    return this.client.request(subscriptions.subscribe, { body }, options);
  }

  mine(options?: RequestOptions) {
    return this.client.request(subscriptions.me, {}, options);
  }

  cancel(id: number, options?: RequestOptions) {
    return this.client.request(subscriptions.cancel, { params: { id } }, options);
  }

  refund(id: number, options?: RequestOptions) {
    return this.client.request(subscriptions.refund, { params: { id } }, options);
  }
}
