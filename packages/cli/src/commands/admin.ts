import { type Command, Option } from "@commander-js/extra-typings";
import * as api from "../api.ts";
import { context, type GlobalOptions, integer, positiveInt } from "../context.ts";
import { date } from "../output.ts";

export function adminCommands(program: Command<[], GlobalOptions>) {
  const admin = program.command("admin").description("Moderation and announcements (admins only)");

  admin
    .command("users")
    .option("--query <q>", "nickname or email contains")
    .addOption(new Option("--status <s>").choices(["ACTIVE", "BLOCKED"] as const))
    .action(async (o, command) => {
      const ctx = context(command.optsWithGlobals());
      const users = await api.adminUsers(ctx.signedIn, o.query, o.status);
      ctx.out.print(users, () =>
        users.items.map((u) => [u.id, u.nickname, u.email, u.role, u.status, date(u.createdAt)]),
      );
    });

  admin
    .command("warn")
    .argument("<user>", "user id", positiveInt)
    .requiredOption("--reason <reason>")
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const warning = await api.warnUser(ctx.signedIn, id, o.reason);
      ctx.out.print(warning, () => [[id, o.reason]]);
      ctx.out.done(`Warned user ${id}`);
    });

  admin
    .command("unblock")
    .argument("<user>", "user id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const user = await api.unblockUser(ctx.signedIn, id);
      ctx.out.print(user, () => [[id]]);
      ctx.out.done(`Unblocked user ${id}`);
    });

  admin
    .command("grant")
    .description("Grant (or, negative, deduct) points; a retry never applies twice")
    .argument("<user>", "user id", positiveInt)
    .argument("<delta>", "points", integer)
    .requiredOption("--reason <reason>")
    .action(async (id, delta, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const entry = await api.grantPoints(ctx.signedIn, id, delta, o.reason);
      ctx.out.print(entry, () => [[id, delta]]);
      ctx.out.done(`Granted ${delta} points to user ${id}`);
    });

  admin
    .command("announce")
    .requiredOption("--title <title>")
    .requiredOption("--body <body>")
    .action(async (o, command) => {
      const ctx = context(command.optsWithGlobals());
      const notification = await api.announce(ctx.signedIn, o.title, o.body);
      ctx.out.print(notification, () => [[notification.id, o.title]]);
      ctx.out.done("Announced to every user");
    });

  const category = admin.command("category").description("Categories");
  category
    .command("add")
    .addOption(new Option("--type <type>").choices(["FRAMEWORK", "LANGUAGE"] as const).makeOptionMandatory())
    .argument("<name>")
    .action(async (name, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const created = await api.addCategory(ctx.signedIn, o.type, name);
      ctx.out.print(created, () => [[created.id, created.type, created.name]]);
    });
  category
    .command("rename")
    .argument("<id>", "category id", positiveInt)
    .argument("<name>")
    .action(async (id, name, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const updated = await api.renameCategory(ctx.signedIn, id, name);
      ctx.out.print(updated, () => [[updated.id, updated.type, updated.name]]);
    });
  category
    .command("delete")
    .argument("<id>", "category id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      await api.deleteCategory(ctx.signedIn, id);
      ctx.out.done(`Deleted category ${id}`);
    });
}
