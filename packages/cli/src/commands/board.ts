import { type Command, Option } from "@commander-js/extra-typings";
import * as api from "../api.ts";
import { context, type GlobalOptions, positiveInt } from "../context.ts";
import { UsageError } from "../errors.ts";
import { codeBlock, readBody } from "../input.ts";
import { date } from "../output.ts";
import { boardView } from "../render.ts";

const collect = (value: string, previous: number[] = []) => [...previous, positiveInt(value)];

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
      const [post, comments] = await Promise.all([
        api.getBoard(ctx.client, id),
        api.listComments(ctx.client, id),
      ]);
      if (ctx.out.json) return ctx.out.print(post, () => []);
      await ctx.out.page(await boardView(post, comments.items, ctx.out));
    });

  board
    .command("create")
    .description("Post code for review")
    .requiredOption("--title <title>")
    .option("--body <text>")
    .option("--body-file <path>", "read the body from a file (- for stdin)")
    .option("--code <path>", "append this file as a code block")
    .option("--lang <language>", "language of --code (default: from its extension)")
    .option("--category <id>", "a category (repeatable)", collect)
    .action(async (o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      const code = o.code === undefined ? undefined : codeBlock(o.code, o.lang);
      const body =
        code !== undefined && o.body === undefined && o.bodyFile === undefined
          ? ""
          : await readBody(o, "body");
      const contents = [body.trim(), code].filter(Boolean).join("\n\n");
      const created = await api.createBoard(client, { title: o.title, contents, categoryIds: o.category });
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
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      const flags = o.title !== undefined || o.category !== undefined;
      const wantsBody = o.body !== undefined || o.bodyFile !== undefined || !flags;
      const contents = wantsBody
        ? await readBody(o, "body", (await api.getBoard(client, id)).contents)
        : undefined;
      const updated = await api.updateBoard(client, id, {
        title: o.title,
        contents,
        categoryIds: o.category,
      });
      ctx.out.print(updated, () => [[updated.id, updated.title]]);
      ctx.out.done(`Updated board ${updated.id}`);
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
    .command("similar")
    .description("Boards like this one")
    .argument("<id>", "board id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const similar = await api.similarBoards(ctx.client, id);
      ctx.out.print(similar, () => similar.items.map((b) => [b.id, b.title]));
    });
}

export async function confirm(question: string): Promise<void> {
  if (!process.stdin.isTTY) throw new UsageError("not a terminal to confirm in: pass --yes");
  const { read } = await import("read");
  const answer = await read({ prompt: `${question} [y/N] `, output: process.stderr });
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError("cancelled");
}
