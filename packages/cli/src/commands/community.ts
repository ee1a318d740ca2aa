import type { Command } from "@commander-js/extra-typings";
import * as api from "../api.ts";
import { context, type GlobalOptions, positiveInt } from "../context.ts";
import { UsageError } from "../errors.ts";
import { date } from "../output.ts";
import { confirm } from "./board.ts";

type Event = Awaited<ReturnType<typeof api.getEvent>>;
type Subscription = Awaited<ReturnType<typeof api.mySubscriptions>>["items"][number];
type Plan = Subscription["plan"];

/** Where an event stands now: upcoming, open, full or ended. */
function eventState(e: Event, now = Date.now()): string {
  if (Date.parse(e.startsAt) > now) return "upcoming";
  if (e.endsAt && Date.parse(e.endsAt) <= now) return "ended";
  return e.taken >= e.capacity ? "full" : "open";
}
const eventRow = (e: Event) => [
  e.id,
  e.title,
  eventState(e),
  `${e.taken}/${e.capacity}`,
  `${e.points} points`,
  date(e.startsAt),
  e.endsAt ? date(e.endsAt) : "",
];

const price = (p: Plan) => `${(p.price / 100).toFixed(2)} ${p.currency.toUpperCase()}`;
const planRow = (p: Plan) => [p.id, p.name, price(p), `${p.periodDays} days`, `${p.pointsPerPeriod} points`];
const subscriptionRow = (s: Subscription) => [
  s.id,
  s.plan.id,
  s.status,
  s.currentPeriodEnd ? date(s.currentPeriodEnd) : "",
  `${s.pointsGranted} points`,
];

/** An ISO 8601 time with an offset (`2026-12-24T18:00:00Z`), as the API takes it. */
function instant(value: string): string {
  const time = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) || Number.isNaN(time))
    throw new UsageError(`${value} is not a time like 2026-12-24T18:00:00Z`);
  return new Date(time).toISOString();
}

export function eventCommands(program: Command<[], GlobalOptions>) {
  const event = program
    .command("event")
    .description("First-come point events: the first to join earn the points");

  event
    .command("list")
    .description("Events, newest start first")
    .action(async (_, command) => {
      const ctx = context(command.optsWithGlobals());
      const events = await api.listEvents(ctx.client);
      ctx.out.print(events, () => events.items.map(eventRow));
    });

  event
    .command("view")
    .argument("<id>", "event id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const found = await api.getEvent(ctx.client, id);
      ctx.out.print(found, () => [eventRow(found)]);
    });

  event
    .command("create")
    .description("Open an event (admins only)")
    .requiredOption("--title <title>")
    .requiredOption("--capacity <n>", "how many may join", positiveInt)
    .requiredOption("--points <n>", "points each of them earns", positiveInt)
    .option("--starts-at <time>", "ISO 8601 start (default: now)")
    .option("--ends-at <time>", "ISO 8601 end (default: none)")
    .action(async (o, command) => {
      const ctx = context(command.optsWithGlobals());
      const created = await api.createEvent(ctx.signedIn, {
        title: o.title,
        capacity: o.capacity,
        points: o.points,
        startsAt: o.startsAt === undefined ? undefined : instant(o.startsAt),
        endsAt: o.endsAt === undefined ? undefined : instant(o.endsAt),
      });
      ctx.out.print(created, () => [eventRow(created)]);
      ctx.out.done(`Opened event ${created.id}: ${created.title}`);
    });

  event
    .command("join")
    .description("Take a seat and its points, if one is left")
    .argument("<id>", "event id", positiveInt)
    .action(async (id, _, command) => {
      const ctx = context(command.optsWithGlobals());
      const entry = await api.joinEvent(ctx.signedIn, id);
      ctx.out.print(entry, () => [[id, entry.delta, entry.balanceAfter]]);
      ctx.out.done(`Joined event ${id}: +${entry.delta} points (balance ${entry.balanceAfter})`);
    });
}

export function subscriptionCommands(program: Command<[], GlobalOptions>) {
  const subscription = program
    .command("subscription")
    .description("Paid plans that grant points each period");
  const keyHelp = "the same key makes a retried call charge (or refund) once";

  subscription
    .command("plans")
    .description("The plans on offer")
    .action(async (_, command) => {
      const ctx = context(command.optsWithGlobals());
      const plans = await api.listPlans(ctx.client);
      ctx.out.print(plans, () => plans.items.map(planRow));
    });

  subscription
    .command("subscribe")
    .description("Subscribe to a plan and pay its first period")
    .argument("<plan>", "plan id (codechef subscription plans)")
    .requiredOption(
      "--payment-token <token>",
      "from the payment gateway (the sandbox takes sandbox-ok, sandbox-decline, sandbox-timeout)",
    )
    .option("--idempotency-key <key>", keyHelp)
    .action(async (plan, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const created = await api.subscribe(ctx.signedIn, plan, o.paymentToken, o.idempotencyKey);
      ctx.out.print(created, () => [subscriptionRow(created)]);
      if (created.status === "PENDING")
        ctx.out.done(
          `Subscription ${created.id} is PENDING: the payment's outcome is not known yet. The server settles it ` +
            "with the gateway (never charging twice); check with `codechef subscription status`.",
        );
      else ctx.out.done(`Subscribed to ${created.plan.name}: ${created.pointsGranted} points granted`);
    });

  subscription
    .command("status")
    .description("Your subscriptions, newest first")
    .action(async (_, command) => {
      const ctx = context(command.optsWithGlobals());
      const mine = await api.mySubscriptions(ctx.signedIn);
      ctx.out.print(mine, () => mine.items.map(subscriptionRow));
      if (mine.items.length === 0) ctx.out.done("No subscriptions: see `codechef subscription plans`");
    });

  subscription
    .command("cancel")
    .description("Stop renewal; access lasts to the end of the paid period")
    .argument("<id>", "subscription id", positiveInt)
    .option("--idempotency-key <key>", keyHelp)
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const canceled = await api.cancelSubscription(ctx.signedIn, id, o.idempotencyKey);
      ctx.out.print(canceled, () => [subscriptionRow(canceled)]);
      ctx.out.done(
        `Canceled subscription ${id}${canceled.currentPeriodEnd ? `; access until ${date(canceled.currentPeriodEnd)}` : ""}`,
      );
    });

  subscription
    .command("refund")
    .description("Refund the latest payment; the points it granted are taken back")
    .argument("<id>", "subscription id", positiveInt)
    .option("--yes", "do not ask")
    .option("--idempotency-key <key>", keyHelp)
    .action(async (id, o, command) => {
      const ctx = context(command.optsWithGlobals());
      const client = ctx.signedIn;
      if (!o.yes) await confirm(`Refund subscription ${id} and give back the points it granted?`);
      const refunded = await api.refundSubscription(client, id, o.idempotencyKey);
      ctx.out.print(refunded, () => [subscriptionRow(refunded)]);
      ctx.out.done(`Refunded subscription ${id}`);
    });
}
