import { describe, expect, it } from "vitest";
import { CodeChef, type Fetch } from "../src/index.ts";

function recording(answer: unknown = { items: [] }) {
  const calls: Array<{ url: URL; init: RequestInit }> = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({ url: new URL(url), init });
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { client: new CodeChef({ baseUrl: "http://api.test", token: "t", fetch, maxRetries: 0 }), calls };
}

describe("attachments, events and subscriptions resources", () => {
  it("uploads a File, a Blob with a name and a Buffer with a name as multipart `files`", async () => {
    const { client, calls } = recording();
    await client.boards.attachments.upload(5, [
      new File([new Uint8Array([1, 2])], "a.png"),
      { name: "b.jpg", data: new Blob([new Uint8Array([3])]) },
      { name: "c.png", data: Buffer.from([4, 5, 6]) },
    ]);
    const [call] = calls;
    expect(call?.url.pathname).toBe("/api/v1/boards/5/attachments");
    expect(call?.init.method).toBe("POST");
    const form = call?.init.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    const files = form.getAll("files") as File[];
    expect(files.map((f) => [f.name, f.size])).toEqual([
      ["a.png", 2],
      ["b.jpg", 1],
      ["c.png", 3],
    ]);
    // fetch writes the multipart content type with its boundary; a JSON one must not be set.
    expect(new Headers(call?.init.headers).get("content-type")).toBeNull();
  });

  it("lists and clears attachments, and calls the event endpoints", async () => {
    const { client, calls } = recording();
    await client.boards.attachments.list(5);
    await client.boards.attachments.clear(5);
    await client.events.list();
    await client.events.get(3);
    await client.events.join(3);
    await client.events.create({ title: "t", capacity: 1, points: 1 });
    expect(calls.map((c) => `${c.init.method} ${c.url.pathname}`)).toEqual([
      "GET /api/v1/boards/5/attachments",
      "DELETE /api/v1/boards/5/attachments",
      "GET /api/v1/events",
      "GET /api/v1/events/3",
      "POST /api/v1/events/3/join",
      "POST /api/v1/events",
    ]);
  });

  it("sends a subscription's idempotency key, and cancel and refund to their paths", async () => {
    const { client, calls } = recording();
    await client.subscriptions.plans();
    await client.subscriptions.subscribe(
      { planId: "monthly", paymentToken: "sandbox-ok" },
      { idempotencyKey: "k1" },
    );
    await client.subscriptions.mine();
    await client.subscriptions.cancel(9);
    await client.subscriptions.refund(9);
    expect(calls.map((c) => `${c.init.method} ${c.url.pathname}`)).toEqual([
      "GET /api/v1/subscriptions/plans",
      "POST /api/v1/subscriptions",
      "GET /api/v1/subscriptions/me",
      "POST /api/v1/subscriptions/9/cancel",
      "POST /api/v1/subscriptions/9/refund",
    ]);
    const subscribe = calls[1]?.init;
    expect(new Headers(subscribe?.headers).get("idempotency-key")).toBe("k1");
    expect(JSON.parse(String(subscribe?.body))).toEqual({ planId: "monthly", paymentToken: "sandbox-ok" });
  });
});
