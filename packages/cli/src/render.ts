import type { Client } from "./api.ts";
import { date, type Output } from "./output.ts";

type Board = Awaited<ReturnType<Client["boards"]["get"]>>;
type Comment = Awaited<ReturnType<Client["comments"]["list"]>>["items"][number];

const FENCE = /^(`{3,})([\w+#.-]*)\n([\s\S]*?)\n\1$/gm;

/** Markdown text with its fenced code blocks highlighted (only when colour is on: cli-highlight loads lazily). */
export async function highlightCode(text: string, out: Output): Promise<string> {
  if (!out.color || !FENCE.test(text)) return text;
  const { highlight, supportsLanguage } = await import("cli-highlight");
  return text.replace(FENCE, (_, fence: string, lang: string, code: string) => {
    const language = supportsLanguage(lang) ? lang : undefined;
    const colored = highlight(code, { language, ignoreIllegals: true });
    return `${out.style("dim", fence + lang)}\n${colored}\n${out.style("dim", fence)}`;
  });
}

/** The post, then its comments oldest first, the adopted one marked. */
export async function boardView(board: Board, comments: Comment[], out: Output): Promise<string> {
  const lines = [
    out.style("bold", board.title),
    out.style(
      "dim",
      `#${board.id} by ${board.author.nickname} · ${date(board.createdAt)} · ${board.viewCount} views` +
        (board.categories.length ? ` · ${board.categories.map((c) => c.name).join(", ")}` : ""),
    ),
    "",
    await highlightCode(board.contents, out),
    "",
    out.style("bold", `${comments.length} comment${comments.length === 1 ? "" : "s"}`),
  ];
  for (const comment of comments) {
    const mark = comment.adopted ? out.style("green", " ✓ adopted") : "";
    lines.push(
      "",
      `${out.style("cyan", `#${comment.id}`)} ${comment.author.nickname} · ${date(comment.createdAt)}${mark}`,
      await highlightCode(comment.contents, out),
    );
  }
  return lines.join("\n");
}
