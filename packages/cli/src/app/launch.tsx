import { type Instance, render, useApp, useInput, useWindowSize } from "ink";
import type { ReactElement } from "react";
import type { Client } from "../api.ts";
import * as api from "../api.ts";
import { fetchRanking } from "../commands/browse.ts";
import { edit } from "../input.ts";
import type { RankingKind } from "../rankings.ts";
import { App } from "./App.tsx";
import { RoomScreen } from "./ChatScreens.tsx";
import { RankingsScreen } from "./RankingsScreen.tsx";
import { ReviewScreen } from "./ReviewScreen.tsx";
import { clientReviewSource, clientSource } from "./source.ts";

/**
 * Renders full screen until the app exits, restoring the terminal (raw mode, cursor, alternate screen) on every
 * way out: a key, Ctrl+C, SIGTERM or an uncaught error.
 */
async function run(client: Client, element: ReactElement, mounted?: (instance: Instance) => void) {
  process.stdout.write("\x1b[?1049h");
  const instance = render(element, { exitOnCtrlC: true });
  mounted?.(instance);
  const restore = () => {
    instance.unmount();
    process.stdin.setRawMode?.(false);
    process.stdout.write("\x1b[?25h\x1b[?1049l");
  };
  const onSignal = () => instance.unmount();
  process.once("SIGTERM", onSignal);
  process.once("uncaughtException", (error) => {
    restore();
    process.stderr.write(`codechef: unexpected error: ${error.message}\n`);
    process.exit(1);
  });
  try {
    await instance.waitUntilExit();
  } finally {
    process.off("SIGTERM", onSignal);
    restore();
    await api.disconnect(client).catch(() => {});
  }
}

/** A screen of its own: `q` (rankings) or Esc (a room) ends it. */
function Standalone({ screen }: { screen(exit: () => void): ReactElement }) {
  const { exit } = useApp();
  return screen(exit);
}

export const runApp = (client: Client, server: string) =>
  run(client, <App source={clientSource(client)} server={server} />);

export const runChatRoom = (client: Client, id: number) =>
  run(
    client,
    <Standalone
      screen={(exit) => (
        <RoomScreen
          source={clientSource(client)}
          id={id}
          height={(process.stdout.rows ?? 24) - 2}
          onBack={exit}
        />
      )}
    />,
  );

export function runLiveRanking(client: Client, kind: RankingKind, query: Record<string, string | undefined>) {
  const source = { ...clientSource(client), ranking: () => fetchRanking(client, kind, query) };
  return run(
    client,
    <Standalone
      screen={(exit) => (
        <QuitOnQ exit={exit}>
          <RankingsScreen source={source} kinds={[kind]} />
        </QuitOnQ>
      )}
    />,
  );
}

function QuitOnQ({ exit, children }: { exit(): void; children: ReactElement }) {
  useInput((input, key) => (input === "q" || key.escape ? exit() : undefined));
  return children;
}

/**
 * `$VISUAL`/`$EDITOR` on `text` while the screen steps aside: raw mode off and the main screen back for the
 * editor, then the alternate screen again, redrawn whole.
 */
function editAside(instance: Instance | undefined, text: string): string | undefined {
  process.stdin.setRawMode?.(false);
  process.stdout.write("\x1b[?1049l");
  try {
    return edit(text, "SUGGESTION");
  } catch {
    return undefined;
  } finally {
    process.stdout.write("\x1b[?1049h\x1b[2J\x1b[H");
    process.stdin.setRawMode?.(true);
    instance?.clear();
  }
}

export function runReview(
  client: Client,
  id: number,
  initial: { path?: string; revision?: number },
  color: boolean,
) {
  let instance: Instance | undefined;
  const source = clientReviewSource(client, async (text) => editAside(instance, text));
  return run(
    client,
    <Standalone
      screen={(exit) => (
        <FullHeight>
          {(rows) => (
            <ReviewScreen
              source={source}
              id={id}
              height={rows}
              onExit={exit}
              initial={initial}
              color={color}
            />
          )}
        </FullHeight>
      )}
    />,
    (mounted) => (instance = mounted),
  );
}

/** The terminal's height, followed as it is resized. */
function FullHeight({ children }: { children(rows: number): ReactElement }) {
  return children(useWindowSize().rows);
}
