import { Box, Text, useInput } from "ink";
import TextInput from "ink-text-input";
import { useEffect, useState } from "react";
import type { ChatMessage, ConnectionState, Room, Source } from "./source.ts";
import { Failure, Footer, Loading, windowOf } from "./widgets.tsx";

/** The rooms, newest first; Enter opens one. */
export function RoomsScreen({
  source,
  onOpen,
  active = true,
}: {
  source: Source;
  onOpen(id: number): void;
  active?: boolean;
}) {
  const [rooms, setRooms] = useState<Room[]>();
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState(0);
  useEffect(() => {
    source.rooms().then(setRooms, setError);
  }, [source]);
  useInput(
    (_, key) => {
      if (key.upArrow) setSelected((s) => Math.max(0, s - 1));
      else if (key.downArrow) setSelected((s) => Math.min((rooms?.length ?? 1) - 1, s + 1));
      else if (key.return && rooms?.[selected]) onOpen(rooms[selected].id);
    },
    { isActive: active },
  );
  if (error) return <Failure error={error} />;
  if (!rooms) return <Loading what="rooms" />;
  return (
    <Box flexDirection="column">
      {rooms.length === 0 && <Text dimColor>No rooms yet: codechef chat create TITLE</Text>}
      {rooms.map((room, index) => (
        <Text key={room.id} color={index === selected ? "cyan" : undefined}>
          {index === selected ? "› " : "  "}#{room.id} {room.title}{" "}
          <Text dimColor>
            host {room.host.nickname} · {room.members} in · {room.status}
          </Text>
        </Text>
      ))}
      <Footer
        keys={[
          { key: "↑↓", does: "move" },
          { key: "enter", does: "open" },
        ]}
      />
    </Box>
  );
}

const STATE_COLOR: Record<ConnectionState, string> = {
  connecting: "yellow",
  connected: "green",
  reconnecting: "yellow",
};

/** Members from the room's events (who came in and has not gone out); the host as the room said, then NEW_HOST. */
export function membersOf(messages: ChatMessage[], host: string): { names: string[]; host: string } {
  const names = new Set<string>([host]);
  for (const m of messages) {
    const who = m.sender?.nickname;
    if (!who) continue;
    if (m.type === "CREATE" || m.type === "IN" || m.type === "SEND") names.add(who);
    if (m.type === "OUT") names.delete(who);
    if (m.type === "CREATE" || m.type === "NEW_HOST") host = who;
  }
  return { names: [...names], host };
}

interface RoomProps {
  source: Source;
  id: number;
  height: number;
  onBack(): void;
  active?: boolean;
}

/** One room: history (older pages on scrolling up), live messages, members, an input line, the connection. */
export function RoomScreen({ source, id, height, onBack, active = true }: RoomProps) {
  const [room, setRoom] = useState<Room>();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [state, setState] = useState<ConnectionState>("connecting");
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<unknown>();
  const [back, setBack] = useState(0);

  useEffect(() => {
    let close: (() => void) | undefined;
    let live = true;
    const add = (m: ChatMessage) =>
      setMessages((all) =>
        all.some((x) => x.seq === m.seq) ? all : [...all, m].sort((a, b) => a.seq - b.seq),
      );
    source.openRoom(id, { message: add, state: (s) => live && setState(s) }).then(
      (opened) => {
        if (!live) return opened.close();
        close = opened.close;
        setRoom(opened.room);
        setMessages((all) =>
          [...opened.messages, ...all.filter((m) => !opened.messages.some((x) => x.seq === m.seq))].sort(
            (a, b) => a.seq - b.seq,
          ),
        );
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
      close?.();
    };
  }, [source, id]);

  const rows = Math.max(3, height - 4);
  useInput(
    (_, key) => {
      if (key.escape) onBack();
      else if (key.upArrow || key.pageUp) {
        const step = key.pageUp ? rows : 1;
        setBack((b) => b + step);
        const first = messages[0];
        if (first && first.seq > 1 && back + step >= messages.length - rows) {
          source
            .older(id, first.seq)
            .then(
              (older) =>
                setMessages((all) => [...older.filter((m) => m.seq < (all[0]?.seq ?? Infinity)), ...all]),
              setError,
            );
        }
      } else if (key.downArrow || key.pageDown) setBack((b) => Math.max(0, b - (key.pageDown ? rows : 1)));
    },
    { isActive: active },
  );

  if (error) return <Failure error={error} />;
  if (!room) return <Loading what={`room ${id}`} />;
  const { names, host } = membersOf(messages, room.host.nickname);
  const end = Math.max(0, messages.length - back);
  const shown = windowOf(messages.slice(0, end), end, rows).rows;
  return (
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text bold>
          #{room.id} {room.title}
        </Text>
        <Text color={STATE_COLOR[state]}>● {state}</Text>
      </Box>
      <Box>
        <Box flexDirection="column" flexGrow={1}>
          {shown.map((m) => (
            <Line key={m.seq} message={m} />
          ))}
        </Box>
        <Box flexDirection="column" width={20} marginLeft={1}>
          <Text underline>members</Text>
          {names.map((name) => (
            <Text key={name}>{name === host ? `★ ${name}` : `  ${name}`}</Text>
          ))}
        </Box>
      </Box>
      <Box>
        <Text color="cyan">› </Text>
        <TextInput
          value={draft}
          onChange={setDraft}
          focus={active}
          onSubmit={(text) => {
            if (!text.trim()) return;
            setDraft("");
            source.send(id, text).catch(setError);
          }}
        />
      </Box>
      <Footer
        keys={[
          { key: "enter", does: "send" },
          { key: "↑↓", does: "scroll (older pages load)" },
          { key: "esc", does: "back" },
        ]}
      />
    </Box>
  );
}

const EVENTS: Record<ChatMessage["type"], string> = {
  CREATE: "opened the room",
  IN: "came in",
  OUT: "went out",
  NEW_HOST: "is the host now",
  SEND: "",
};

function Line({ message: m }: { message: ChatMessage }) {
  const time = m.createdAt.slice(11, 16);
  if (m.type === "SEND")
    return (
      <Text>
        <Text dimColor>{time} </Text>
        <Text bold>{m.sender?.nickname}</Text>: {m.content}
      </Text>
    );
  const what = EVENTS[m.type];
  return (
    <Text italic color="yellow">
      {time} * {m.sender?.nickname} {what}
    </Text>
  );
}
