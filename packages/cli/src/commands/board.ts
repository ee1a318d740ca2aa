import { openAsBlob, statSync } from "node:fs";
import { basename } from "node:path";
import { type Command, Option } from "@commander-js/extra-typings";
import * as api from "../api.ts";
import { context, type GlobalOptions, positiveInt } from "../context.ts";
import { UsageError } from "../errors.ts";
import { boardFile, codeBlock, readBody } from "../input.ts";
import { date, plural } from "../output.ts";
import { boardView, colourPatch } from "../render.ts";
import { withUploadProgress } from "../upload.ts";

const collect = (value: string, previous: number[] = []) => [...previous, positiveInt(value)];
const paths = (value: string, previous: string[] = []) => [...previous, value];
const noMessageWithoutFiles = (o: { message?: string; file?: string[]; removeFile?: string[] }) => {
  if (o.message !== undefined && !o.file && !o.removeFile)
    throw new UsageError("--message describes a change of files: pass --file PATH (or --remove-file PATH)");
};

type Summary = Awaited<ReturnType<typeof api.listBoards>>["items"][number];
const boardRow = (b: Summary) => [
  b.id,
  b.title,
  b.author.nickname,
  b.viewCount,
  b.adopted ? "adopted" : "open",
  date(b.createdAt),
];

export function boardCommands(program: Command<[], GlobalOptions>) {
  const board = program.command("board").description("Browse, read and post code for review");

  board
    .command("list")
    .description("Boards, newest or most viewed first")
    .option("--category <id>", "only boards of this category", positiveInt)
    .option("--author <id>", "only boards of this user", positiveInt)
    .addOption(new Option("--sort <order>").choices(["latest", "views"] as const).default("latest" as const))
    .option("--page <n>", "page number", positiveInt, 1)
    .option("--limit <n>", "boards per page (at most 100)", positiveInt, 20)
    .action(async (o, command) => {
      const ctx = context(command.optsWithGlobals());
      const page = await api.listBoards(ctx.client, {
        categoryId: o.category,
        authorId: o.author,
        sort: o.sort,
        page: o.page,
        size: o.limit,
      });
      ctx.out.print(page, () => page.items.map(boardRow));
    });

  board
    .command("view")
    .description("A post with its code highlighted and its comments")
    .argument("<id>", "board id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const [post, comments, attachments] = await Promise.all([
        api.getBoard(ctx.client, id),
        api.listComments(ctx.client, id),
        api.listAttachments(ctx.client, id),
      ]);
      if (ctx.out.json) return ctx.out.print(post, () => []);
      const images = attachments.items.map((a) => ({ ...a, url: new URL(a.url, ctx.server).href }));
      await ctx.out.page(await boardView(post, comments.items, ctx.out, images));
    });

  board
    .command("create")
    .description("Post code for review")
    .requiredOption("--title <title>")
    .option("--body <text>")
    .option("--body-file <path>", "read the body from a file (- for stdin)")
    .option("--code <path>", "append this file as a code block")
    .option("--lang <language>", "language of --code (default: from its extension)")
    .option("--file <path>", "a code file to review line by line (repeatable, up to 10)", paths)
    .option("--category <id>", "a category (repeatable)", collect)
    .action(async (o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      const files = o.file?.map(boardFile);
      const code = o.code === undefined ? undefined : codeBlock(o.code, o.lang);
      const body =
        code !== undefined && o.body === undefined && o.bodyFile === undefined
          ? ""
          : await readBody(o, "body");
      const contents = [body.trim(), code].filter(Boolean).join("\n\n");
      const created = await api.createBoard(client, {
        title: o.title,
        contents,
        categoryIds: o.category,
        files,
      });
      ctx.out.print(created, () => [[created.id, created.title]]);
      ctx.out.done(`Posted board ${created.id}: ${created.title}`);
    });

  board
    .command("edit")
    .description("Edit your board (without flags, in your editor)")
    .argument("<id>", "board id", positiveInt)
    .option("--title <title>")
    .option("--body <text>")
    .option("--body-file <path>", "read the body from a file (- for stdin)")
    .option("--category <id>", "a category (repeatable); replaces the board's", collect)
    .option("--file <path>", "add or replace this code file (repeatable); the others stay", paths)
    .option("--remove-file <path>", "remove this file of the board (repeatable)", paths)
    .option("--message <text>", "what the new revision of the files changes")
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      noMessageWithoutFiles(o);
      const changesFiles = o.file !== undefined || o.removeFile !== undefined;
      const flags = o.title !== undefined || o.category !== undefined || changesFiles;
      const wantsBody = o.body !== undefined || o.bodyFile !== undefined || !flags;
      const current = wantsBody || changesFiles ? await api.getBoard(client, id) : undefined;
      const contents = wantsBody ? await readBody(o, "body", current?.contents) : undefined;
      const updated = await api.updateBoard(client, id, {
        title: o.title,
        contents,
        categoryIds: o.category,
        files: changesFiles ? nextFiles(current?.files ?? [], o.file ?? [], o.removeFile ?? []) : undefined,
        message: o.message,
      });
      ctx.out.print(updated, () => [[updated.id, updated.title, updated.revision]]);
      ctx.out.done(
        `Updated board ${updated.id}${changesFiles ? ` (files at revision ${updated.revision})` : ""}`,
      );
    });

  board
    .command("delete")
    .description("Delete a board with its comments")
    .argument("<id>", "board id", positiveInt)
    .option("--yes", "do not ask")
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      if (!o.yes) await confirm(`Delete board ${id} and its comments?`);
      await api.deleteBoard(ctx.signedIn, id);
      ctx.out.done(`Deleted board ${id}`);
    });

  board
    .command("attach")
    .description("Attach images (JPEG or PNG, 5 MiB each, 10 MiB in all); replaces the board's images")
    .argument("<id>", "board id", positiveInt)
    .argument("<files...>", "image files")
    .action(async (id, files, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      const inputs = await Promise.all(files.map(imageFile));
      const show = process.stderr.isTTY
        ? progressLine(`Uploading ${plural(files.length, "file")}`)
        : () => {};
      const uploaded = await withUploadProgress(show, () =>
        api.uploadAttachments(client, id, inputs),
      ).finally(() => process.stderr.isTTY && process.stderr.write("\r\x1b[K"));
      ctx.out.print(uploaded, () =>
        uploaded.items.map((a) => [
          a.id,
          a.name,
          `${a.width}x${a.height}`,
          a.size,
          new URL(a.url, ctx.server).href,
        ]),
      );
      ctx.out.done(`Attached ${plural(uploaded.items.length, "image")} to board ${id}`);
    });

  board
    .command("diff")
    .description("What changed between two revisions of the board's files (default: the last change)")
    .argument("<id>", "board id", positiveInt)
    .option("--from <n>", "the older revision (default: the one before --to)", positiveInt)
    .option("--to <n>", "the newer revision (default: the latest)", positiveInt)
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const changes = await api.diff(ctx.client, id, { from: o.from, to: o.to });
      if (ctx.out.json) return ctx.out.print(changes, () => []);
      if (changes.files.length === 0)
        return ctx.out.done(`No changes from revision ${changes.from} to ${changes.to}`);
      const patch = changes.files.map((f) => f.patch.replace(/\n$/, "")).join("\n");
      await ctx.out.page(ctx.out.color ? colourPatch(patch, ctx.out) : patch);
    });

  board
    .command("similar")
    .description("Boards like this one")
    .argument("<id>", "board id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const similar = await api.similarBoards(ctx.client, id);
      ctx.out.print(similar, () => similar.items.map((b) => [b.id, b.title]));
    });
}

/** The board's files with these local files added or replaced (same path) and those paths removed. */
function nextFiles(
  files: { path: string; language: string; content: string }[],
  added: string[],
  removed: string[],
) {
  const next = new Map<string, { path: string; language?: string; content: string }>(
    files.map((f) => [f.path, { path: f.path, language: f.language, content: f.content }]),
  );
  for (const path of removed) {
    if (!next.delete(path)) throw new UsageError(`the board has no file ${path}`);
  }
  for (const file of added.map(boardFile)) next.set(file.path, file);
  return [...next.values()];
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A progress line on stderr, rewritten in place. */
function progressLine(label: string) {
  let shown = -1;
  return (sent: number, total: number) => {
    const percent = Math.floor((sent / Math.max(1, total)) * 100);
    if (percent === shown) return;
    shown = percent;
    process.stderr.write(`\r\x1b[K${label}: ${percent}% (${mib(sent)} of ${mib(total)})`);
  };
}

async function imageFile(path: string) {
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error(), { code: "not a file" });
    return { name: basename(path), data: await openAsBlob(path) };
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
}

export async function confirm(question: string): Promise<void> {
  if (!process.stdin.isTTY) throw new UsageError("not a terminal to confirm in: pass --yes");
  const { read } = await import("read");
  const answer = await read({ prompt: `${question} [y/N] `, output: process.stderr });
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError("cancelled");
}
