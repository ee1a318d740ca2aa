import type { Command } from "@commander-js/extra-typings";
import type { ChatMessage } from "../api.ts";
import * as api from "../api.ts";
import { context, type GlobalOptions, positiveInt } from "../context.ts";
import { UsageError } from "../errors.ts";
import { date, type Output } from "../output.ts";

const messageRow = (m: ChatMessage) => [
  m.seq,
  date(m.createdAt),
  m.type,
  m.sender?.nickname ?? "",
  m.content,
];

/** One message as it comes: JSON, the same fields as `chat history` when piped, styled in a terminal. */
const printMessage = (out: Output, m: ChatMessage) => {
  if (out.json) return out.write(JSON.stringify(m));
  if (!out.tty) return out.print(m, () => [messageRow(m)]);
  const time = out.style("dim", date(m.createdAt));
  const who = m.sender?.nickname ?? "";
  out.write(
    m.type === "SEND"
      ? `${time} ${out.style("bold", who)}: ${m.content}`
      : `${time} ${out.style("yellow", `* ${who} ${m.type}`)}`,
  );
};

/** Stops on Ctrl+C or SIGTERM, disconnecting cleanly. */
export function untilInterrupted(client: api.Client): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => void api.disconnect(client).finally(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

export function chatCommands(program: Command<[], GlobalOptions>) {
  const chat = program.command("chat").description("Chat rooms");

  chat
    .command("list")
    .description("Chat rooms, newest first")
    .action(async (_, command) => {
      const ctx = context(command.optsWithGlobals());
      const rooms = await api.listRooms(ctx.signedIn);
      ctx.out.print(rooms, () =>
        rooms.items.map((r) => [r.id, r.title, r.host.nickname, r.members, r.status]),
      );
    });

  chat
    .command("create")
    .description("Open a room; you are its host")
    .argument("<title>")
    .action(async (title, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const room = await api.createRoom(ctx.signedIn, title);
      ctx.out.print(room, () => [[room.id, room.title]]);
      ctx.out.done(`Opened room ${room.id}: ${room.title}`);
    });

  chat
    .command("join")
    .argument("<room>", "room id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const entry = await api.joinRoom(ctx.signedIn, id);
      ctx.out.print(entry, () => [[entry.room.id, entry.room.title, entry.room.members]]);
      ctx.out.done(`Joined room ${id}`);
    });

  chat
    .command("leave")
    .argument("<room>", "room id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      await api.leaveRoom(ctx.signedIn, id);
      ctx.out.done(`Left room ${id}`);
    });

  chat
    .command("send")
    .description("Say something in a room you joined")
    .argument("<room>", "room id", positiveInt)
    .argument("<text>")
    .action(async (id, text, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      try {
        await api.sendMessage(client, id, text);
      } finally {
        await api.disconnect(client);
      }
      ctx.out.done(`Sent to room ${id}`);
    });

  chat
    .command("history")
    .description("A room's messages, oldest first; --follow keeps printing new ones")
    .argument("<room>", "room id", positiveInt)
    .option("--limit <n>", "how many of the latest messages", positiveInt, 50)
    .option("--follow", "keep printing messages as they come")
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      const page = await api.roomMessages(client, id, { limit: o.limit });
      if (!o.follow) return ctx.out.print(page, () => page.items.map(messageRow));
      for (const m of page.items) printMessage(ctx.out, m);
      const stop = api.onConnection(client, (state) => {
        if (process.stderr.isTTY)
          process.stderr.write(state === "reconnecting" ? "… reconnecting\n" : "… connected\n");
      });
      await api.followRoom(client, id, page.items.at(-1)?.seq ?? 0, (m) => printMessage(ctx.out, m));
      await untilInterrupted(client);
      stop();
    });

  chat
    .command("open")
    .description("The room screen: history, live messages, members, an input line")
    .argument("<room>", "room id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      if (!process.stdin.isTTY || !process.stdout.isTTY)
        throw new UsageError("chat open needs a terminal; use chat history --follow");
      const client = ctx.signedIn;
      const { runChatRoom } = await import("../app/launch.tsx");
      await runChatRoom(client, id);
    });
}
