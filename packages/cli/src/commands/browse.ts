import { type Command, Option } from "@commander-js/extra-typings";
import * as api from "../api.ts";
import { context, type GlobalOptions, positiveInt } from "../context.ts";
import { UsageError } from "../errors.ts";
import { date } from "../output.ts";
import { type RankingKind, rankingRows } from "../rankings.ts";

const unmark = (snippet: string) =>
  snippet
    .replace(/<\/?mark>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** What a search found, for the person reading: nothing, a page past the end, or which matches these are. */
export function searchSummary(
  q: string,
  hits: { items: unknown[]; total: number; size: number },
  page: number,
) {
  const count = (n: number, one: string, many: string) =>
    `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
  const pages = Math.ceil(hits.total / hits.size);
  if (hits.total === 0) return `No boards match "${q}".`;
  if (hits.items.length === 0)
    return `Page ${page} is past the end: ${count(hits.total, "match", "matches")} on ${count(pages, "page", "pages")}.`;
  if (pages === 1) return `${count(hits.total, "match", "matches")}.`;
  const first = (page - 1) * hits.size + 1;
  const shown = `Matches ${first.toLocaleString("en-US")}–${(first + hits.items.length - 1).toLocaleString("en-US")} of ${hits.total.toLocaleString("en-US")}`;
  return page < pages ? `${shown}; --page ${page + 1} for more.` : `${shown}.`;
}

export function browseCommands(program: Command<[], GlobalOptions>) {
  program
    .command("search")
    .description("Full-text search of boards")
    .argument("<query>")
    .option("--category <id>", "only boards of this category", positiveInt)
    .option("--page <n>", "page number", positiveInt, 1)
    .action(async (q, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const hits = await api.searchBoards(ctx.client, q, o.category, o.page);
      ctx.out.print(hits, () => hits.items.map((h) => [h.id, h.title, unmark(h.snippet)]));
      ctx.out.note(searchSummary(q, hits, o.page));
    });

  const rank = program.command("rank").description("Rankings: boards, users, keywords");
  const live = new Option("--live", "a screen that refreshes every 2 s and shows what moved");
  const show = async (
    kind: RankingKind,
    query: Record<string, string | undefined>,
    o: { live?: boolean },
    command: Command,
  ) => {
    const ctx = context(command.optsWithGlobals() as GlobalOptions);
    if (o.live) {
      if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError("--live needs a terminal");
      const { runLiveRanking } = await import("../app/launch.tsx");
      return runLiveRanking(ctx.client, kind, query);
    }
    const result = await fetchRanking(ctx.client, kind, query);
    ctx.out.print(result, () => rankingRows(kind, result));
  };
  rank
    .command("boards")
    .description("The most viewed boards")
    .addOption(new Option("--window <w>").choices(["1h", "24h"] as const).default("1h" as const))
    .addOption(live)
    .action((o, command) => show("boards", { window: o.window }, o, command));
  rank
    .command("users")
    .description("Users with the most points, per career")
    .addOption(
      new Option("--career <c>").choices(["WORKING", "ASPIRING"] as const).default("WORKING" as const),
    )
    .addOption(
      new Option("--period <p>").choices(["realtime", "last-month"] as const).default("realtime" as const),
    )
    .addOption(live)
    .action((o, command) => show("users", { career: o.career, period: o.period }, o, command));
  rank
    .command("keywords")
    .description("The most searched keywords")
    .addOption(new Option("--window <w>").choices(["1h", "24h", "7d"] as const).default("24h" as const))
    .addOption(live)
    .action((o, command) => show("keywords", { window: o.window }, o, command));

  program
    .command("points")
    .description("A balance and its newest ledger entries (default: yours)")
    .argument("[user]", "user id", positiveInt)
    .action(async (user, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const id = user ?? (await api.me(ctx.signedIn)).id;
      const points = await api.points(ctx.client, id);
      ctx.out.print(points, () => [
        ["balance", points.balance],
        ...points.items.map((e) => [
          date(e.createdAt),
          e.delta > 0 ? `+${e.delta}` : e.delta,
          e.balanceAfter,
          e.reason,
        ]),
      ]);
    });

  program
    .command("user")
    .description("Users")
    .command("view")
    .argument("<id>", "user id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const user = await api.getUser(ctx.client, id);
      ctx.out.print(user, () => [
        [user.id, user.nickname, user.career, user.role, user.status, date(user.createdAt)],
      ]);
    });
}

export function fetchRanking(
  client: api.Client,
  kind: RankingKind,
  query: Record<string, string | undefined>,
) {
  if (kind === "boards") return api.rankBoards(client, { window: query.window as "1h" | "24h", limit: 10 });
  if (kind === "users")
    return api.rankUsers(client, {
      career: query.career as "WORKING" | "ASPIRING",
      period: query.period as "realtime" | "last-month",
    });
  return api.rankKeywords(client, { window: query.window as "1h" | "24h" | "7d" });
}
