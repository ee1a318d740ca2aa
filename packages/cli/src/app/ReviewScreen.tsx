import { threadsByLine } from "@codechef/sdk";
import { highlight, supportsLanguage } from "cli-highlight";
import { Box, type Key as KeyInput, Text, useInput } from "ink";
import TextInput from "ink-text-input";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Output } from "../output.ts";
import { colourPatch } from "../render.ts";
import type { BoardDiff, ReviewBoard, ReviewSource, Revision, Thread } from "./source.ts";
import { Failure, Footer, type Key, Loading } from "./widgets.tsx";

type File = Revision["files"][number];
interface Range {
  startLine: number;
  endLine: number;
}
/** A line of the screen: a line of code, or a line of a thread shown under the code it is about. */
type Row =
  | { kind: "code"; line: number; text: string }
  | { kind: "thread"; key: string; thread: number; text: string; color?: string; dim?: boolean };
/** What the input line is for. */
type Draft =
  | { does: "comment"; range: Range; suggestion?: string }
  | { does: "reply"; thread: Thread; suggestion?: string };

const REVIEW_HELP = [
  "↑↓ j k       move the cursor line; pgup pgdn/space page; g G top, bottom",
  "v            start (or drop) a selection; move to extend it; shift+↑↓ too",
  "c            comment on the selection (or the cursor line): a new thread",
  "s            suggest a change: $VISUAL/$EDITOR opens with the lines; on a thread, its lines",
  "r            reply to the thread under the cursor",
  "x            resolve the thread under the cursor (or reopen it)",
  "a            apply the thread's suggestion (the board's author): a new revision",
  "n N          next, previous thread",
  "←→ or tab    previous, next file",
  "[ ]          older, newer revision",
  "d            this file's diff from the revision before",
  "q or esc     drop the selection; else quit",
  "?            this help",
];

const SUGGESTED = "Suggested change";
const lines = (content: string) => (content === "" ? [] : content.replace(/\n$/, "").split("\n"));
const span = (r: Range) => (r.startLine === r.endLine ? `${r.startLine}` : `${r.startLine}–${r.endLine}`);

function highlighted(file: File | undefined, color: boolean): string[] {
  if (!file) return [];
  const plain = lines(file.content);
  if (!color) return plain;
  const language = supportsLanguage(file.language) ? file.language : undefined;
  return plain.map((line) => highlight(line, { language, ignoreIllegals: true }));
}

/** A thread as rows: its header and comments, a suggestion as -/+ lines; resolved ones folded unless focused. */
function threadRows(thread: Thread, range: Range, original: string[], focused: boolean): Row[] {
  let n = 0;
  const row = (text: string, style: { color?: string; dim?: boolean } = {}): Row => ({
    kind: "thread",
    key: `t${thread.id}.${n++}`,
    thread: thread.id,
    text,
    ...style,
  });
  const state = thread.state === "RESOLVED" ? "✓ resolved" : "open";
  const header = `#${thread.id} ${thread.author.nickname} on ${span(range)} · ${state}${thread.outdated ? " · outdated" : ""}`;
  const color = focused ? "cyan" : thread.state === "RESOLVED" ? "green" : "yellow";
  if (thread.state === "RESOLVED" && !focused)
    return [row(`  ╶ ${header} · ${thread.comments.length} comments (move here to open)`, { dim: true })];
  const rows = [row(`  ╭ ${header}`, { color })];
  for (const comment of thread.comments) {
    rows.push(row(`  │ ${comment.author.nickname}: ${comment.body.split("\n")[0]}`));
    for (const more of comment.body.split("\n").slice(1)) rows.push(row(`  │   ${more}`));
    if (comment.suggestion === null) continue;
    const applied = comment.appliedRevision ? ` · applied in r${comment.appliedRevision}` : "";
    rows.push(row(`  │ suggestion #${comment.id}${applied}`, { color: "magenta" }));
    for (const old of original.slice(range.startLine - 1, range.endLine))
      rows.push(row(`  │ - ${old}`, { color: "red" }));
    for (const replacement of lines(comment.suggestion))
      rows.push(row(`  │ + ${replacement}`, { color: "green" }));
  }
  rows.push(row("  ╰", { color }));
  return rows;
}

interface Props {
  source: ReviewSource;
  id: number;
  height: number;
  onExit(): void;
  initial?: { path?: string; revision?: number };
  color?: boolean;
}

/** A board's files as a pull-request review: line numbers, threads inline, comment, suggest, resolve, apply. */
export function ReviewScreen({ source, id, height, onExit, initial = {}, color = false }: Props) {
  const [board, setBoard] = useState<ReviewBoard>();
  const [me, setMe] = useState<{ id: number; nickname: string }>();
  const [latest, setLatest] = useState(0);
  const [revision, setRevision] = useState(initial.revision ?? 0);
  const [files, setFiles] = useState<File[]>();
  const [path, setPath] = useState(initial.path);
  const [threads, setThreads] = useState<Thread[]>([]);
  /** The cursor line, and where a selection started (it runs to the cursor). */
  const [{ cursor, anchor }, setPosition] = useState<{ cursor: number; anchor?: number }>({ cursor: 1 });
  const setAnchor = (anchor: number | undefined) => setPosition((p) => ({ ...p, anchor }));
  const [draft, setDraft] = useState<Draft>();
  const [text, setText] = useState("");
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [diff, setDiff] = useState<BoardDiff | "loading">();
  const [help, setHelp] = useState(false);
  const [diffScroll, setDiffScroll] = useState(0);
  const offset = useRef(0);
  const viewing = useRef(revision);
  viewing.current = revision;

  const loadThreads = useCallback(() => source.threads(id).then(setThreads, setError), [source, id]);
  useEffect(() => {
    source.me().then(setMe, () => {});
    source.board(id).then((b) => {
      setBoard(b);
      setLatest(b.revision);
      setRevision((r) => (r >= 1 && r <= b.revision ? r : b.revision));
    }, setError);
    void loadThreads();
    let stop: (() => void) | undefined;
    let live = true;
    source
      .follow(id, (event) => {
        if (event.type === "REVISION_CREATED") {
          setLatest((n) => Math.max(n, event.revision.number));
          if (viewing.current < event.revision.number)
            setNotice(
              `revision ${event.revision.number} by ${event.revision.author.nickname} arrived: ] to see it`,
            );
        }
        void loadThreads();
      })
      .then(
        (unsubscribe) => {
          if (live) stop = unsubscribe;
          else unsubscribe();
        },
        () => setNotice("live updates are off: the server's realtime feed cannot be reached"),
      );
    return () => {
      live = false;
      stop?.();
    };
  }, [source, id, loadThreads]);

  useEffect(() => {
    if (!board || revision < 1) return;
    setFiles(undefined);
    setDiff(undefined);
    const load = revision === board.revision ? Promise.resolve(board.files) : source.files(id, revision);
    load.then((found) => {
      setFiles(found);
      setPath((p) => (found.some((f) => f.path === p) ? p : found[0]?.path));
    }, setError);
  }, [source, id, board, revision]);

  const file = files?.find((f) => f.path === path);
  const code = useMemo(() => highlighted(file, color), [file, color]);
  const original = useMemo(() => lines(file?.content ?? ""), [file]);
  const byLine = useMemo(
    () => (file ? threadsByLine(threads, file.path, revision) : new Map<number, Thread[]>()),
    [threads, file, revision],
  );
  const anchored = useMemo(
    () =>
      [...byLine.values()].flatMap((list) => list.map((t) => ({ thread: t, range: rangeOf(t, revision) }))),
    [byLine, revision],
  );
  const focused = anchored
    .filter((a) => a.range.startLine <= cursor && cursor <= a.range.endLine)
    .sort((a, b) => b.range.startLine - a.range.startLine)[0];
  const selection: Range | undefined =
    anchor === undefined
      ? undefined
      : { startLine: Math.min(anchor, cursor), endLine: Math.max(anchor, cursor) };

  const rows = useMemo(() => {
    if (diff && diff !== "loading") {
      const patch = diff.files.find((f) => f.path === path)?.patch;
      const text = patch
        ? colourPatch(patch.replace(/\n$/, ""), new Output({ color }))
        : `no changes to ${path}`;
      return text.split("\n").map((t, i): Row => ({ kind: "thread", key: `d${i}`, thread: 0, text: t }));
    }
    const all: Row[] = [];
    code.forEach((text, index) => {
      const line = index + 1;
      all.push({ kind: "code", line, text });
      for (const thread of byLine.get(line) ?? [])
        all.push(
          ...threadRows(thread, rangeOf(thread, revision), original, thread.id === focused?.thread.id),
        );
    });
    return all;
  }, [code, byLine, original, revision, focused?.thread.id, diff, path, color]);

  const body = Math.max(3, height - 6);
  const cursorRow = Math.max(
    0,
    rows.findIndex((r) => r.kind === "code" && r.line === cursor),
  );
  if (diff) offset.current = Math.min(diffScroll, Math.max(0, rows.length - body));
  else {
    const blockEnd = focused
      ? rows.findLastIndex((r) => r.kind === "thread" && r.thread === focused.thread.id)
      : cursorRow;
    if (cursorRow < offset.current) offset.current = cursorRow;
    if (blockEnd >= offset.current + body) offset.current = Math.max(cursorRow - 1, blockEnd - body + 1);
    if (cursorRow >= offset.current + body) offset.current = cursorRow - body + 1;
  }
  const shown = rows.slice(offset.current, offset.current + body);

  const act = async (what: () => Promise<string>) => {
    try {
      setNotice(await what());
      await loadThreads();
    } catch (e) {
      const err = e as { code?: string; message?: string };
      setNotice(`${err.code ?? "ERROR"}: ${err.message ?? String(e)}`);
    }
  };

  const mine = board !== undefined && me?.id === board.author.id;
  const target: Range = selection ?? { startLine: cursor, endLine: cursor };
  const pendingSuggestion = focused?.thread.comments.findLast(
    (c) => c.suggestion !== null && !c.appliedRevision,
  );

  const suggest = async () => {
    const range = selection ?? focused?.range ?? target;
    const before = `${original.slice(range.startLine - 1, range.endLine).join("\n")}\n`;
    const after = await source.edit(before);
    if (after === undefined) return setNotice("the editor failed: nothing was suggested");
    if (after === before) return setNotice("unchanged: nothing was suggested");
    setDraft(
      !selection && focused
        ? { does: "reply", thread: focused.thread, suggestion: after }
        : { does: "comment", range, suggestion: after },
    );
  };

  const submit = (typed: string) => {
    const current = draft;
    setDraft(undefined);
    setText("");
    const value = typed.trim() || (current?.suggestion !== undefined ? SUGGESTED : "");
    if (!current || !value || !file) return;
    setAnchor(undefined);
    if (current.does === "reply")
      void act(async () => {
        await source.reply(current.thread.id, value, current.suggestion);
        return `replied to thread #${current.thread.id}`;
      });
    else
      void act(async () => {
        const t = await source.startThread(id, {
          revision,
          path: file.path,
          ...current.range,
          body: value,
          suggestion: current.suggestion,
        });
        return `started thread #${t.id} on ${span(current.range)}`;
      });
  };

  const goFile = (step: number) => {
    if (!files?.length) return;
    const index = files.findIndex((f) => f.path === path);
    setPath(files[(index + step + files.length) % files.length]?.path);
    setPosition({ cursor: 1 });
    offset.current = 0;
  };
  const goRevision = (to: number, newest = latest) => {
    if (to < 1 || to > newest || to === revision) return;
    setRevision(to);
    setAnchor(undefined);
  };
  const toggleDiff = () => {
    if (diff) return setDiff(undefined);
    if (revision < 2) return setNotice("revision 1 has nothing before it");
    setDiff("loading");
    setDiffScroll(0);
    source.diff(id, revision - 1, revision).then(setDiff, (e: unknown) => {
      setDiff(undefined);
      setError(e);
    });
  };

  const onKey = (input: string, key: KeyInput) => {
    if (help) return setHelp(false);
    if (input === "?") return setHelp(true);
    const last = Math.max(1, original.length);
    const clamp = (line: number) => Math.min(last, Math.max(1, line));
    // Keys may come faster than renders: every move starts from the position as it is by then.
    const move = (to: (cursor: number) => number, extend = false) =>
      setPosition((p) => ({
        cursor: clamp(to(p.cursor)),
        anchor: extend ? (p.anchor ?? p.cursor) : p.anchor,
      }));
    if (key.escape && anchor !== undefined) setAnchor(undefined);
    else if (input === "q" || key.escape) onExit();
    else if (input === "d") toggleDiff();
    else if (diff) {
      const most = Math.max(0, rows.length - body);
      const step =
        key.upArrow || input === "k" ? -1 : key.downArrow || input === "j" ? 1 : input === " " ? body : 0;
      setDiffScroll((s) => Math.min(most, Math.max(0, s + step)));
    } else if (key.shift && (key.upArrow || key.downArrow)) move((c) => c + (key.upArrow ? -1 : 1), true);
    else if (key.upArrow || input === "k") move((c) => c - 1);
    else if (key.downArrow || input === "j") move((c) => c + 1);
    else if (key.pageDown || input === " ") move((c) => c + body);
    else if (key.pageUp) move((c) => c - body);
    else if (input === "g") move(() => 1);
    else if (input === "G") move(() => last);
    else if (input === "v")
      setPosition((p) => ({ ...p, anchor: p.anchor === undefined ? p.cursor : undefined }));
    else if (input === "n" || input === "N") {
      const starts = [...new Set(anchored.map((a) => a.range.startLine))].sort((a, b) => a - b);
      move((c) => (input === "n" ? starts.find((s) => s > c) : starts.findLast((s) => s < c)) ?? c);
    } else if (key.rightArrow || key.tab) goFile(1);
    else if (key.leftArrow) goFile(-1);
    else if (input === "]") goRevision(revision + 1);
    else if (input === "[") goRevision(revision - 1);
    else if (input === "c" && me) setDraft({ does: "comment", range: target });
    else if (input === "s" && me) void suggest();
    else if (input === "r" && me && focused) setDraft({ does: "reply", thread: focused.thread });
    else if (input === "x" && me && focused) {
      const t = focused.thread;
      void act(async () => {
        if (t.state === "OPEN") await source.resolve(t.id);
        else await source.reopen(t.id);
        return `${t.state === "OPEN" ? "resolved" : "reopened"} thread #${t.id}`;
      });
    } else if (input === "a" && mine && pendingSuggestion)
      void act(async () => {
        const made = await source.apply(id, [pendingSuggestion.id]);
        setLatest((n) => Math.max(n, made.number));
        goRevision(made.number, made.number);
        return `applied suggestion #${pendingSuggestion.id}: revision ${made.number}`;
      });
  };
  // Keys typed faster than the terminal is read arrive as one string ("jjj"): each counts.
  useInput(
    (input, key) => {
      for (const one of input.length > 1 && !key.meta ? [...input] : [input]) onKey(one, key);
    },
    {
      isActive: draft === undefined,
    },
  );
  useInput(
    (_, key) => {
      if (key.escape) {
        setDraft(undefined);
        setText("");
      }
    },
    { isActive: draft !== undefined },
  );

  if (error) return <Failure error={error} />;
  if (!board || !files) return <Loading what={`board ${id}`} />;
  if (help)
    return (
      <Box flexDirection="column">
        <Text bold>Keys of the review screen</Text>
        {REVIEW_HELP.map((line) => (
          <Text key={line}>{line}</Text>
        ))}
        <Text dimColor>any key closes this help</Text>
      </Box>
    );
  if (files.length === 0)
    return (
      <Box flexDirection="column">
        <Text bold>
          #{board.id} {board.title}
        </Text>
        <Text dimColor>This board has no code files: codechef board edit {board.id} --file PATH</Text>
      </Box>
    );

  const width = String(Math.max(1, original.length)).length;
  const open = threads.filter((t) => t.state === "OPEN" && t.path === path).length;
  const keys: Key[] = diff
    ? [
        { key: "↑↓", does: "scroll" },
        { key: "d", does: "back to the file" },
        { key: "q", does: "quit" },
      ]
    : [
        { key: "↑↓", does: "line" },
        { key: "v", does: selection ? `selecting ${span(selection)}` : "select" },
        ...(me
          ? [
              { key: "c", does: `comment on ${span(target)}` },
              { key: "s", does: !selection && focused ? `suggest in #${focused.thread.id}` : "suggest" },
            ]
          : []),
        ...(me && focused
          ? [
              { key: "r", does: "reply" },
              { key: "x", does: focused.thread.state === "OPEN" ? "resolve" : "reopen" },
            ]
          : []),
        ...(mine && pendingSuggestion ? [{ key: "a", does: `apply #${pendingSuggestion.id}` }] : []),
        { key: "←→", does: "file" },
        { key: "[ ]", does: "revision" },
        { key: "d", does: "diff" },
        { key: "?", does: "help" },
        { key: "q", does: "quit" },
      ];

  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end">
        <Text bold>
          #{board.id} {board.title}
        </Text>
        <Text dimColor>
          {" "}
          · revision {revision}/{latest} · {path} ({files.findIndex((f) => f.path === path) + 1}/
          {files.length}) · {open} open thread{open === 1 ? "" : "s"}
          {diff ? ` · diff r${revision - 1}→r${revision}` : ""}
        </Text>
      </Text>
      <Box flexDirection="column" height={body} marginTop={1}>
        {diff === "loading" ? (
          <Loading what="the diff" />
        ) : (
          shown.map((row) =>
            row.kind === "code" ? (
              <CodeLine
                key={`c${row.line}`}
                row={row}
                width={width}
                cursor={row.line === cursor}
                selected={!!selection && selection.startLine <= row.line && row.line <= selection.endLine}
                commented={anchored.some((a) => a.range.startLine <= row.line && row.line <= a.range.endLine)}
              />
            ) : (
              <Text key={row.key} wrap="truncate-end" color={row.color} dimColor={row.dim}>
                {diff ? row.text : `${" ".repeat(width + 2)}${row.text}`}
              </Text>
            ),
          )
        )}
      </Box>
      {draft ? (
        <Box>
          <Text color="cyan">
            {draft.does === "reply"
              ? `reply to #${draft.thread.id}${draft.suggestion !== undefined ? " with the suggestion" : ""}: `
              : `${draft.suggestion !== undefined ? "suggest" : "comment"} on ${path}:${span(draft.range)}: `}
          </Text>
          <TextInput
            value={text}
            // A pasted line arrives with its Enter: it is sent, as if typed.
            onChange={(value) =>
              /[\r\n]/.test(value) ? submit(value.split(/[\r\n]/)[0] ?? "") : setText(value)
            }
            onSubmit={submit}
            placeholder={draft.suggestion !== undefined ? `${SUGGESTED} (type a comment, or enter)` : ""}
          />
        </Box>
      ) : (
        <Text color="yellow" wrap="truncate-end">
          {notice ?? " "}
        </Text>
      )}
      <Footer
        keys={
          draft
            ? [
                { key: "enter", does: "send" },
                { key: "esc", does: "cancel" },
              ]
            : keys
        }
      />
    </Box>
  );
}

function CodeLine(props: {
  row: Extract<Row, { kind: "code" }>;
  width: number;
  cursor: boolean;
  selected: boolean;
  commented: boolean;
}) {
  const { row, width, cursor, selected, commented } = props;
  const gutter = `${cursor ? "›" : " "} ${String(row.line).padStart(width)} ${commented ? "●" : "│"} `;
  return (
    <Text wrap="truncate-end" backgroundColor={selected ? "blue" : undefined}>
      <Text
        color={cursor ? "cyan" : commented ? "yellow" : undefined}
        dimColor={!cursor && !commented}
        bold={cursor}
      >
        {gutter}
      </Text>
      {row.text}
    </Text>
  );
}

/** The lines a thread covers in `revision` (its current lines in the latest one, else where it was written). */
function rangeOf(thread: Thread, revision: number): Range {
  return thread.current?.revision === revision ? thread.current : thread.original;
}
