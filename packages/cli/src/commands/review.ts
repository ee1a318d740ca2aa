import { type Command, Option } from "@commander-js/extra-typings";
import * as api from "../api.ts";
import { context, type GlobalOptions, positiveInt } from "../context.ts";
import { UsageError } from "../errors.ts";
import { edit, readBody, readFile, readStdin } from "../input.ts";
import { date, plural } from "../output.ts";

type Thread = Awaited<ReturnType<typeof api.thread>>;

/** `10` or `10-12`. */
function lineRange(value: string): { startLine: number; endLine: number } {
  const match = /^([1-9]\d*)(?:-([1-9]\d*))?$/.exec(value);
  if (!match) throw new UsageError(`--lines ${value}: pass a line (10) or a range (10-12)`);
  const startLine = Number(match[1]);
  const endLine = Number(match[2] ?? match[1]);
  if (endLine < startLine) throw new UsageError(`--lines ${value}: the range ends before it starts`);
  return { startLine, endLine };
}

/** Lines `startLine`–`endLine` of a text, as an editor opens on them. */
const excerpt = (content: string, range: { startLine: number; endLine: number }) =>
  `${content
    .split("\n")
    .slice(range.startLine - 1, range.endLine)
    .join("\n")}\n`;

/** Where a thread is now, or where it was written when its lines changed since. */
const where = (t: Thread) => {
  const anchor = t.current ?? t.original;
  const lines =
    anchor.startLine === anchor.endLine ? `${anchor.startLine}` : `${anchor.startLine}-${anchor.endLine}`;
  return t.current ? `${t.path}:${lines}` : `${t.path}:${lines}@r${anchor.revision}`;
};
const threadRow = (t: Thread) => [
  t.id,
  where(t),
  t.outdated ? `${t.state} outdated` : t.state,
  t.author.nickname,
  t.comments.length,
  t.comments[0]?.body ?? "",
];

/** The text of a thread's lines in the revision it points at now (or was written on). */
async function threadLines(client: api.Client, t: Thread): Promise<string> {
  const anchor = t.current ?? t.original;
  const revision = await api.revision(client, t.boardId, anchor.revision);
  return excerpt(revision.files.find((f) => f.path === t.path)?.content ?? "", anchor);
}

interface SuggestionFlags {
  suggestion?: string;
  suggestionFile?: string;
  suggest?: boolean;
}
const SUGGESTION = "replacement text for exactly the thread's lines";
const SUGGESTION_FILE = "the replacement from a file (- for stdin)";
const SUGGEST = "write the replacement in $VISUAL/$EDITOR, starting from the lines";

async function readSuggestion(o: SuggestionFlags & { bodyFile?: string }, lines: () => Promise<string>) {
  if (o.suggestionFile === "-" && o.bodyFile === "-")
    throw new UsageError("only one of --body-file and --suggestion-file can be - (stdin)");
  if (o.suggestion !== undefined) return o.suggestion;
  if (o.suggestionFile === "-") return readStdin();
  if (o.suggestionFile !== undefined) return readFile(o.suggestionFile);
  if (!o.suggest) return undefined;
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError("--suggest needs a terminal: pass --suggestion or --suggestion-file");
  return edit(await lines(), "SUGGESTION");
}

export function reviewCommands(program: Command<[], GlobalOptions>) {
  program
    .command("review")
    .description("Review a board's files: line numbers, threads inline, comment, suggest, resolve")
    .argument("<board>", "board id", positiveInt)
    .option("--file <path>", "open this file first")
    .option("--revision <n>", "open this revision (default: the latest)", positiveInt)
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      if (!process.stdin.isTTY || !process.stdout.isTTY)
        throw new UsageError(
          "review needs a terminal; use thread list, thread add and board diff in scripts",
        );
      const { runReview } = await import("../app/launch.tsx");
      await runReview(ctx.client, id, { path: o.file, revision: o.revision }, ctx.out.color);
    });

  const thread = program.command("thread").description("Review threads on lines of a board's files");

  thread
    .command("list")
    .description("A board's threads, oldest first")
    .argument("<board>", "board id", positiveInt)
    .option("--path <path>", "only threads on this file")
    .addOption(new Option("--state <state>").choices(["OPEN", "RESOLVED"] as const))
    .action(async (boardId, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const found = await api.threads(ctx.client, boardId, { path: o.path, state: o.state });
      ctx.out.print({ items: found }, () => found.map(threadRow));
    });

  thread
    .command("view")
    .description("A thread's comments, with their suggestions")
    .argument("<thread>", "thread id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const found = await api.thread(ctx.client, id);
      ctx.out.print(found, () => [
        threadRow(found),
        ...found.comments.map((c) => [
          c.id,
          c.author.nickname,
          date(c.createdAt),
          c.suggestion === null ? "" : c.appliedRevision ? `applied in r${c.appliedRevision}` : "suggestion",
          c.body,
        ]),
      ]);
    });

  thread
    .command("add")
    .description("Start a thread on lines of a file (in the latest revision unless --revision)")
    .argument("<board>", "board id", positiveInt)
    .option("--path <path>", "the file (default: the board's only file)")
    .requiredOption("--lines <range>", "a line (10) or a range (10-12)", lineRange)
    .option("--revision <n>", "the revision the line numbers are of", positiveInt)
    .option("--body <text>")
    .option("--body-file <path>", "read the comment from a file (- for stdin)")
    .option("--suggestion <text>", SUGGESTION)
    .option("--suggestion-file <path>", SUGGESTION_FILE)
    .option("--suggest", SUGGEST)
    .action(async (boardId, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      const board = await api.getBoard(client, boardId);
      const revision = o.revision ?? board.revision;
      const files =
        revision === board.revision ? board.files : (await api.revision(client, boardId, revision)).files;
      const path = o.path ?? (files.length === 1 ? files[0]?.path : undefined);
      if (!path)
        throw new UsageError(
          `pass --path: the board has ${files.length} files (${files.map((f) => f.path).join(", ")})`,
        );
      const file = files.find((f) => f.path === path);
      const suggestion = await readSuggestion(o, async () => excerpt(file?.content ?? "", o.lines));
      const body = await readBody(o, "comment");
      const created = await api.startThread(client, boardId, {
        revision,
        path,
        ...o.lines,
        body,
        suggestion,
      });
      ctx.out.print(created, () => [[created.id, where(created), created.comments[0]?.id ?? ""]]);
      ctx.out.done(`Started thread ${created.id} on ${where(created)}`);
    });

  thread
    .command("reply")
    .description("Reply to a thread, optionally suggesting a replacement of its lines")
    .argument("<thread>", "thread id", positiveInt)
    .option("--body <text>")
    .option("--body-file <path>", "read the reply from a file (- for stdin)")
    .option("--suggestion <text>", SUGGESTION)
    .option("--suggestion-file <path>", SUGGESTION_FILE)
    .option("--suggest", SUGGEST)
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      const suggestion = await readSuggestion(o, async () =>
        threadLines(client, await api.thread(client, id)),
      );
      const created = await api.reply(client, id, await readBody(o, "reply"), suggestion);
      ctx.out.print(created, () => [[created.id, created.threadId]]);
      ctx.out.done(`Replied to thread ${id} (comment ${created.id})`);
    });

  for (const [verb, does, call] of [
    ["resolve", "Resolved", api.resolveThread],
    ["reopen", "Reopened", api.reopenThread],
  ] as const) {
    thread
      .command(verb)
      .description(`${does.slice(0, -1)} a thread (the board's author or the thread's)`)
      .argument("<thread>", "thread id", positiveInt)
      .action(async (id, _, command) => {
        const ctx = context(command.optsWithGlobals());
        const changed = await call(ctx.signedIn, id);
        ctx.out.print(changed, () => [threadRow(changed)]);
        ctx.out.done(`${does} thread ${id}`);
      });
  }

  program
    .command("suggestion")
    .description("Suggested changes")
    .command("apply")
    .description("Apply suggestions to your board in one new revision")
    .argument("<board>", "board id", positiveInt)
    .argument("<comments...>", "ids of the comments that carry the suggestions")
    .option("--message <text>", "the new revision's message")
    .action(async (boardId, comments, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const ids = comments.map((c) => {
        if (!/^[1-9]\d*$/.test(c)) throw new UsageError(`comment id ${c} must be a positive whole number`);
        return Number(c);
      });
      const made = await api.applySuggestions(ctx.signedIn, boardId, ids, o.message);
      ctx.out.print(made, () => [[made.number, made.author.nickname, made.message ?? ""]]);
      ctx.out.done(
        `Applied ${plural(ids.length, "suggestion")}: revision ${made.number} of board ${boardId}`,
      );
    });
}
