import type { Command } from "@commander-js/extra-typings";
import type { Notification } from "../api.ts";
import * as api from "../api.ts";
import { context, type GlobalOptions, positiveInt } from "../context.ts";
import { UsageError } from "../errors.ts";
import { date } from "../output.ts";
import { untilInterrupted } from "./chat.ts";

export const notificationText = (n: Notification) => {
  const p = n.payload as {
    title?: string;
    boardTitle?: string;
    author?: { nickname?: string };
    excerpt?: string;
  };
  if (n.type === "COMMENT") return `${p.author?.nickname} commented on "${p.boardTitle}": ${p.excerpt}`;
  return String(p.title ?? JSON.stringify(p));
};
const row = (n: Notification) => [
  n.id,
  n.readAt ? "read" : "unread",
  n.type,
  date(n.createdAt),
  notificationText(n),
];

export function notificationCommands(program: Command<[], GlobalOptions>) {
  const notifications = program
    .command("notifications")
    .description("Your notifications, newest first")
    .option("--unread", "only unread ones")
    .option("--follow", "keep printing new ones as they come")
    .action(async (o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      if (!o.follow) {
        const page = await api.listNotifications(client, o.unread);
        return ctx.out.print(page, () => page.items.map(row));
      }
      // Subscribe first and hold what arrives until the list is out, so nothing falls between the two.
      const show = (n: Notification) =>
        ctx.out.json ? ctx.out.write(JSON.stringify(n)) : ctx.out.print(n, () => [row(n)]);
      let held: Notification[] | undefined = [];
      await api.followNotifications(client, (n) => (held ? held.push(n) : show(n)));
      const page = await api.listNotifications(client, o.unread);
      const listed = new Set(page.items.map((n) => n.id));
      for (const n of [...page.items.toReversed(), ...held.filter((n) => !listed.has(n.id))]) show(n);
      held = undefined;
      await untilInterrupted(client);
    });

  notifications
    .command("read")
    .description("Mark one notification read, or --all")
    .argument("[id]", "notification id", positiveInt)
    .option("--all", "mark every notification read")
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      if (o.all === (id !== undefined)) throw new UsageError("give a notification id or --all");
      if (o.all) {
        await api.readAllNotifications(ctx.signedIn);
        return ctx.out.done("Marked every notification read");
      }
      const read = await api.readNotification(ctx.signedIn, id as number);
      ctx.out.print(read, () => [row(read)]);
    });
}
