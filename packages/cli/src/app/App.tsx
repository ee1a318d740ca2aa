import { Box, Text, useApp, useInput, useWindowSize } from "ink";
import { useCallback, useEffect, useState } from "react";
import { BoardsScreen } from "./BoardsScreen.tsx";
import { RoomScreen, RoomsScreen } from "./ChatScreens.tsx";
import { NotificationsScreen } from "./NotificationsScreen.tsx";
import { PostScreen } from "./PostScreen.tsx";
import { RankingsScreen } from "./RankingsScreen.tsx";
import type { Source } from "./source.ts";

const TABS = ["Boards", "Rankings", "Chat", "Notifications"] as const;
type Tab = (typeof TABS)[number];

const HELP = [
  "1-4 or tab   switch tabs (Boards, Rankings, Chat, Notifications)",
  "↑↓ ←→        move, page, scroll",
  "enter        open",
  "/            search boards",
  "s            sort boards (latest / most viewed)",
  "c e a d D    comment, edit comment, adopt, delete comment, delete post (on a post)",
  "q or esc     back; on a tab: quit",
  "?            this help",
];

/** The full-screen app: tabs, a screen per tab, `?` for help, `q`/Esc to go back. */
export function App({ source, server }: { source: Source; server: string }) {
  const { exit } = useApp();
  const { rows } = useWindowSize();
  const [tab, setTab] = useState<Tab>("Boards");
  const [post, setPost] = useState<number>();
  const [room, setRoom] = useState<number>();
  const [help, setHelp] = useState(false);
  const [me, setMe] = useState<{ id: number; nickname: string }>();
  const [unread, setUnread] = useState(0);

  const countUnread = useCallback(() => void source.unreadCount().then(setUnread, () => {}), [source]);
  useEffect(() => {
    source.me().then(setMe, () => {});
    countUnread();
    let stop: (() => void) | undefined;
    void source
      .followNotifications(() => setUnread((n) => n + 1))
      .then(
        (s) => (stop = s),
        () => {},
      );
    return () => stop?.();
  }, [source, countUnread]);

  const inner = post !== undefined || room !== undefined;
  useInput((input, key) => {
    if (help) return setHelp(false);
    if (input === "?") return setHelp(true);
    if (inner) return;
    if ((input === "q" || key.escape) && !inner) return exit();
    const index = "1234".indexOf(input);
    if (index >= 0) setTab(TABS[index] as Tab);
    else if (key.tab) setTab(TABS[(TABS.indexOf(tab) + 1) % TABS.length] as Tab);
  });

  const height = Math.max(5, rows - 6);
  const active = !help;
  return (
    <Box flexDirection="column" height={rows}>
      <Box>
        {TABS.map((name, index) => (
          <Text key={name} inverse={name === tab} bold={name === tab}>
            {` ${index + 1} ${name}${name === "Notifications" && unread > 0 ? ` (${unread})` : ""} `}
          </Text>
        ))}
        <Text dimColor>
          {" "}
          {me ? me.nickname : "not signed in"} @ {server}
        </Text>
      </Box>
      <Box flexDirection="column" flexGrow={1} marginTop={1}>
        {help ? (
          <Box flexDirection="column">
            <Text bold>Keys</Text>
            {HELP.map((line) => (
              <Text key={line}>{line}</Text>
            ))}
            <Text dimColor>any key closes this help</Text>
          </Box>
        ) : tab === "Boards" ? (
          post === undefined ? (
            <BoardsScreen source={source} onOpen={setPost} active={active} />
          ) : (
            <PostScreen
              source={source}
              id={post}
              me={me}
              height={height}
              onBack={() => setPost(undefined)}
              active={active}
            />
          )
        ) : tab === "Rankings" ? (
          <RankingsScreen source={source} />
        ) : tab === "Chat" ? (
          room === undefined ? (
            <RoomsScreen source={source} onOpen={setRoom} active={active} />
          ) : (
            <RoomScreen
              source={source}
              id={room}
              height={height}
              onBack={() => setRoom(undefined)}
              active={active}
            />
          )
        ) : (
          <NotificationsScreen source={source} onChange={countUnread} active={active} />
        )}
      </Box>
      {!inner && <Text dimColor>1-4/tab switch · ? help · q quit</Text>}
    </Box>
  );
}
