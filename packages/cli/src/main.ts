import { Command, CommanderError } from "@commander-js/extra-typings";
import { adminCommands } from "./commands/admin.ts";
import { authCommands } from "./commands/auth.ts";
import { boardCommands } from "./commands/board.ts";
import { browseCommands } from "./commands/browse.ts";
import { chatCommands } from "./commands/chat.ts";
import { commentCommands } from "./commands/comment.ts";
import { eventCommands, subscriptionCommands } from "./commands/community.ts";
import { completionCommand } from "./commands/completion.ts";
import { notificationCommands } from "./commands/notifications.ts";
import { reviewCommands } from "./commands/review.ts";
import { activeServer, context } from "./context.ts";
import { EXIT, report } from "./errors.ts";
import { DEFAULT_SERVER } from "./session.ts";

declare const CODECHEF_VERSION: string;
const version = typeof CODECHEF_VERSION === "string" ? CODECHEF_VERSION : "dev";

export function program(): Command<[], { server?: string; json?: boolean; color: boolean }> {
  const root = new Command()
    .name("codechef")
    .description(
      "CodeChef from the terminal: browse, review, chat. Without arguments in a terminal, the app.",
    )
    .version(version)
    .option("--server <url>", `server (else $CODECHEF_SERVER, else the last login's, else ${DEFAULT_SERVER})`)
    .option("--json", "print the API's JSON")
    .option("--no-color", "no colour (NO_COLOR is honoured too)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .hook("preAction", (_, action) => context(action.optsWithGlobals()).connect())
    .action(async (_, command) => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) return command.help();
      const ctx = context(command.optsWithGlobals());
      const { runApp } = await import("./app/launch.tsx");
      await runApp(ctx.client, ctx.server);
    });
  authCommands(root);
  boardCommands(root);
  commentCommands(root);
  reviewCommands(root);
  browseCommands(root);
  chatCommands(root);
  notificationCommands(root);
  eventCommands(root);
  subscriptionCommands(root);
  adminCommands(root);
  completionCommand(root);
  for (const command of root.commands) exitOverrideAll(command);
  return root;
}

function exitOverrideAll(command: Command<unknown[], Record<string, unknown>>): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideAll(sub as never);
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await program().parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(error, activeServer() ?? DEFAULT_SERVER);
  }
}
