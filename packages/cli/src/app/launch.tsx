import { render, useApp, useInput } from "ink";
import type { ReactElement } from "react";
import type { Client } from "../api.ts";
import * as api from "../api.ts";
import { fetchRanking } from "../commands/browse.ts";
import type { RankingKind } from "../rankings.ts";
import { App } from "./App.tsx";
import { RoomScreen } from "./ChatScreens.tsx";
import { RankingsScreen } from "./RankingsScreen.tsx";
import { clientSource } from "./source.ts";

/**
 * Renders full screen until the app exits, restoring the terminal (raw mode, cursor, alternate screen) on every
 * way out: a key, Ctrl+C, SIGTERM or an uncaught error.
 */
async function run(client: Client, element: ReactElement): Promise<void> {
  process.stdout.write("\x1b[?1049h");
  const instance = render(element, { exitOnCtrlC: true });
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
