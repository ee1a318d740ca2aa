import { type Command, Option } from "@commander-js/extra-typings";
import * as api from "../api.ts";
import { context, type GlobalOptions } from "../context.ts";
import { readPassword } from "../input.ts";

export function authCommands(program: Command<[], GlobalOptions>) {
  const auth = program.command("auth").description("Sign up, sign in and out");

  auth
    .command("signup")
    .description("Create an account and sign in")
    .requiredOption("--email <email>")
    .requiredOption("--nickname <nickname>")
    .addOption(
      new Option("--career <career>").choices(["WORKING", "ASPIRING"] as const).makeOptionMandatory(),
    )
    .option("--password-stdin", "read the password from stdin")
    .action(async (options, command) => {
      const ctx = context(command.optsWithGlobals());
      const password = await readPassword(options.passwordStdin);
      await api.signup(ctx.client, { ...options, password });
      const session = await api.login(ctx.client, options.email, password);
      await ctx.store.save(ctx.server, session);
      if (!ctx.out.tty)
        ctx.out.print(session.user, () => [[session.user.id, session.user.nickname, session.user.email]]);
      ctx.out.done(`Signed up and signed in to ${ctx.server} as ${session.user.nickname}`);
    });

  auth
    .command("login")
    .description("Sign in; the session is kept per server")
    .requiredOption("--email <email>")
    .option("--password-stdin", "read the password from stdin")
    .action(async (options, command) => {
      const ctx = context(command.optsWithGlobals());
      const password = await readPassword(options.passwordStdin);
      const session = await api.login(ctx.client, options.email, password);
      await ctx.store.save(ctx.server, session);
      if (!ctx.out.tty)
        ctx.out.print(session.user, () => [[session.user.id, session.user.nickname, session.user.email]]);
      ctx.out.done(`Signed in to ${ctx.server} as ${session.user.nickname}`);
    });

  auth
    .command("logout")
    .description("Revoke the session and forget it")
    .action(async (_, command) => {
      const ctx = context(command.optsWithGlobals());
      try {
        await api.logout(ctx.signedIn);
      } finally {
        await ctx.store.remove(ctx.server); // forgotten here even when the server could not be told
      }
      ctx.out.done(`Signed out of ${ctx.server}`);
    });

  auth
    .command("status")
    .description("Who you are signed in as (checks the session with the server)")
    .action(async (_, command) => {
      const ctx = context(command.optsWithGlobals());
      const user = await api.me(ctx.signedIn);
      ctx.out.print(user, () => [[ctx.server, user.id, user.nickname, user.email, user.role]]);
    });
}
