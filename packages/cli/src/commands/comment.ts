import type { Command } from "@commander-js/extra-typings";
import * as api from "../api.ts";
import { context, type GlobalOptions, positiveInt } from "../context.ts";
import { readBody } from "../input.ts";

export function commentCommands(program: Command<[], GlobalOptions>) {
  const comment = program.command("comment").description("Review: comment, edit, delete, adopt");

  comment
    .command("add")
    .description("Comment on a board (without a body flag, in your editor)")
    .argument("<board>", "board id", positiveInt)
    .option("--body <text>")
    .option("--body-file <path>", "read the body from a file (- for stdin)")
    .action(async (boardId, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      const created = await api.createComment(client, boardId, await readBody(o, "comment"));
      ctx.out.print(created, () => [[created.id, created.boardId]]);
      ctx.out.done(`Commented on board ${boardId} (comment ${created.id})`);
    });

  comment
    .command("edit")
    .description("Edit your comment")
    .argument("<id>", "comment id", positiveInt)
    .option("--body <text>")
    .option("--body-file <path>", "read the body from a file (- for stdin)")
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const updated = await api.updateComment(ctx.signedIn, id, await readBody(o, "comment"));
      ctx.out.print(updated, () => [[updated.id, updated.boardId]]);
      ctx.out.done(`Updated comment ${id}`);
    });

  comment
    .command("delete")
    .description("Delete a comment")
    .argument("<id>", "comment id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      await api.deleteComment(ctx.signedIn, id);
      ctx.out.done(`Deleted comment ${id}`);
    });

  comment
    .command("adopt")
    .description("Adopt a comment on your board; its author earns the points")
    .argument("<id>", "comment id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const adopted = await api.adoptComment(ctx.signedIn, id);
      ctx.out.print(adopted, () => [[adopted.id, adopted.boardId, adopted.author.nickname]]);
      ctx.out.done(`Adopted comment ${id} by ${adopted.author.nickname}`);
    });
}
