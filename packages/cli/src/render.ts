import type { Client } from "./api.ts";
import { date, type Output, plural } from "./output.ts";

type Board = Awaited<ReturnType<Client["boards"]["get"]>>;
type Comment = Awaited<ReturnType<Client["comments"]["list"]>>["items"][number];
type Attachment = Awaited<ReturnType<Client["boards"]["attachments"]["list"]>>["items"][number];

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

const lineCount = (text: string) => (text === "" ? 0 : text.replace(/\n$/, "").split("\n").length);
const kib = (bytes: number) => `${Math.max(1, Math.round(bytes / 1024))} KiB`;

/** The post, its code files and images, then its comments oldest first, the adopted one marked. */
export async function boardView(
  board: Board,
  comments: Comment[],
  out: Output,
  attachments: Attachment[] = [],
): Promise<string> {
  const lines = [
    out.style("bold", board.title),
    out.style(
      "dim",
      `#${board.id} by ${board.author.nickname} · ${date(board.createdAt)} · ${board.viewCount} views` +
        (board.categories.length ? ` · ${board.categories.map((c) => c.name).join(", ")}` : ""),
    ),
    "",
    await highlightCode(board.contents, out),
  ];
  if (board.files.length) {
    lines.push("", out.style("bold", `Files (revision ${board.revision}; codechef review ${board.id})`));
    for (const file of board.files)
      lines.push(
        `  ${file.path}  ${out.style("dim", `${file.language} · ${plural(lineCount(file.content), "line")}`)}`,
      );
  }
  if (attachments.length) {
    lines.push("", out.style("bold", "Images"));
    for (const a of attachments)
      lines.push(`  ${a.name}  ${out.style("dim", `${a.width}×${a.height} · ${kib(a.size)}`)}  ${a.url}`);
  }
  lines.push("", out.style("bold", plural(comments.length, "comment")));
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

const PATCH_STYLES: [RegExp, Parameters<Output["style"]>[0]][] = [
  [/^(---|\+\+\+) /, "bold"],
  [/^@@/, "cyan"],
  [/^\+/, "green"],
  [/^-/, "red"],
  [/^\\/, "dim"],
];

/** A unified diff with its headers, hunk lines, additions and removals coloured. */
export function colourPatch(patch: string, out: Output): string {
  return patch
    .split("\n")
    .map((line) => {
      const style = PATCH_STYLES.find(([pattern]) => pattern.test(line))?.[1];
      return style ? out.style(style, line) : line;
    })
    .join("\n");
}
