import type { TestServer } from "./test-server.ts";

const WORDS = [
  "lock",
  "review",
  "service",
  "layer",
  "리뷰",
  "코드",
  "비관적",
  "락",
  "query",
  "index",
  "e",
  "ab",
];

/** `count` boards of about `chars` characters each, written straight to the database and the search index. */
export async function seedLargeBoards(server: TestServer, authorId: number, count: number, chars: number) {
  const { db } = server.container.database;
  const { index } = server.container.search;
  const BATCH = 100;
  for (let start = 0; start < count; start += BATCH) {
    const now = Date.now();
    const rows = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => {
      const n = start + i;
      const words: string[] = [];
      for (let length = 0, k = n; length < chars; k = (k * 31 + 7) % 9973) {
        const word = `${WORDS[k % WORDS.length]}${k % 5 === 0 ? k % 97 : ""}`;
        words.push(word);
        length += word.length + 1;
      }
      return {
        author_id: authorId,
        title: `large board ${n}`,
        contents: words.join(" "),
        created_at: now,
        updated_at: now,
      };
    });
    const inserted = await db.insertInto("boards").values(rows).returning(["id", "version"]).execute();
    await index.indexMany(
      inserted.map((board, i) => ({
        id: board.id,
        version: Number(board.version),
        title: rows[i]?.title ?? "",
        contents: rows[i]?.contents ?? "",
        categories: [],
      })),
    );
  }
}
