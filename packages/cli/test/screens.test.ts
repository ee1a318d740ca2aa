import { render } from "ink-testing-library";
import { createElement as h } from "react";
import { describe, expect, it, vi } from "vitest";
import { App } from "../src/app/App.tsx";
import { BoardsScreen } from "../src/app/BoardsScreen.tsx";
import { RoomScreen } from "../src/app/ChatScreens.tsx";
import { NotificationsScreen } from "../src/app/NotificationsScreen.tsx";
import { PostScreen } from "../src/app/PostScreen.tsx";
import { RankingsScreen } from "../src/app/RankingsScreen.tsx";
import type { ChatMessage, ConnectionState, Source } from "../src/app/source.ts";

const KEY = { down: "\u001b[B", enter: "\r", tab: "\t", escape: "\u001b" };
const at = "2026-12-01T10:00:00.000Z";
const alice = { id: 1, nickname: "alice" };
const bob = { id: 2, nickname: "bob" };

const summary = (id: number, title: string) => ({
  id,
  title,
  author: alice,
  categories: [],
  viewCount: id * 10,
  revision: 1,
  adopted: false,
  createdAt: at,
  updatedAt: at,
});
const message = (
  seq: number,
  type: ChatMessage["type"],
  sender: typeof alice,
  content = "",
): ChatMessage => ({
  id: seq,
  roomId: 7,
  seq,
  type,
  sender,
  content,
  createdAt: at,
});

/** A fake of everything the screens read; each test overrides what it looks at. */
function fakeSource(overrides: Partial<Source> = {}): Source {
  const never = () => new Promise<never>(() => {});
  return {
    me: async () => alice,
    boards: async () => ({
      items: [summary(1, "First post"), summary(2, "Second post")],
      page: 1,
      size: 20,
      total: 2,
    }),
    categories: async () => [
      { id: 3, name: "Kotlin" },
      { id: 4, name: "Rust" },
    ],
    search: async () => ({ items: [{ id: 9, title: "Found it" }] }),
    board: async () => ({
      board: {
        ...summary(1, "First post"),
        contents: "Look:\n\n```ts\nconst x = 1;\n```",
        adoptedComment: null,
        files: [],
      },
      comments: [
        { id: 5, boardId: 1, author: bob, contents: "Use let", adopted: false, createdAt: at, updatedAt: at },
      ],
    }),
    comment: vi.fn(async () => ({})),
    editComment: vi.fn(async () => ({})),
    adopt: vi.fn(async () => ({})),
    deleteComment: vi.fn(async () => undefined),
    deleteBoard: vi.fn(async () => undefined),
    ranking: async () => ({ items: [] }),
    rooms: async () => [],
    openRoom: never,
    older: async () => [],
    send: vi.fn(async () => {}),
    notifications: async () => [],
    unreadCount: async () => 0,
    readNotification: vi.fn(async () => ({})),
    followNotifications: async () => () => {},
    ...overrides,
  };
}

async function until(frame: () => string | undefined, text: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const current = frame() ?? "";
    if (current.includes(text)) return current;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never showed ${JSON.stringify(text)}; last frame:\n${frame()}`);
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe("Boards screen", () => {
  it("lists boards, moves with the arrows and opens the selected one with Enter", async () => {
    // Given two boards
    const onOpen = vi.fn();
    const { lastFrame, stdin } = render(h(BoardsScreen, { source: fakeSource(), onOpen }));
    await until(lastFrame, "Second post");
    expect(lastFrame()).toContain("› #1 First post");

    // When the user goes down and presses Enter
    stdin.write(KEY.down);
    await until(lastFrame, "› #2 Second post");
    stdin.write(KEY.enter);

    // Then the second board opens
    expect(onOpen).toHaveBeenCalledWith(2);
  });

  it("sorts by views with s, filters by category with c and searches with /", async () => {
    const boards = vi.fn(fakeSource().boards);
    const search = vi.fn(fakeSource().search);
    const { lastFrame, stdin } = render(
      h(BoardsScreen, { source: fakeSource({ boards, search }), onOpen: () => {} }),
    );
    await until(lastFrame, "latest · page 1/1");
    stdin.write("s");
    await until(lastFrame, "most viewed");
    expect(boards).toHaveBeenLastCalledWith({ page: 1, sort: "views", categoryId: undefined });

    stdin.write("c");
    await until(lastFrame, "most viewed · Kotlin");
    expect(boards).toHaveBeenLastCalledWith({ page: 1, sort: "views", categoryId: 3 });
    stdin.write("c");
    await until(lastFrame, "most viewed · Rust");
    stdin.write("c");
    await until(lastFrame, "most viewed · page");
    expect(boards).toHaveBeenLastCalledWith({ page: 1, sort: "views", categoryId: undefined });

    stdin.write("/");
    await settle();
    stdin.write("lock");
    await settle();
    stdin.write(KEY.enter);
    await until(lastFrame, "Found it");
    expect(search).toHaveBeenCalledWith("lock");
    expect(lastFrame()).toContain("search “lock” · 1 found");
  });
});

describe("Post screen", () => {
  it("shows the post and its comments, and lets the author adopt and comment", async () => {
    // Given alice's post with bob's comment
    const source = fakeSource();
    const { lastFrame, stdin } = render(
      h(PostScreen, { source, id: 1, me: alice, height: 30, onBack: () => {} }),
    );
    const frame = await until(lastFrame, "Use let");
    expect(frame).toContain("First post");
    expect(frame).toContain("const x = 1;");
    expect(frame).toContain("1 comment");

    // When she selects the comment and presses a
    stdin.write(KEY.tab);
    await until(lastFrame, "selected comment #5 by bob");
    expect(lastFrame()).toContain("a adopt");
    stdin.write("a");

    // Then the comment is adopted
    await until(lastFrame, "Adopted comment #5");
    expect(source.adopt).toHaveBeenCalledWith(5);

    // When she writes a comment
    stdin.write("c");
    await until(lastFrame, "comment:");
    stdin.write("Thanks!");
    await settle();
    stdin.write(KEY.enter);
    await until(lastFrame, "Comment posted");
    expect(source.comment).toHaveBeenCalledWith(1, "Thanks!");
  });

  it("lets the author of a comment edit it", async () => {
    const source = fakeSource();
    const { lastFrame, stdin } = render(
      h(PostScreen, { source, id: 1, me: bob, height: 30, onBack: () => {} }),
    );
    await until(lastFrame, "Use let");
    stdin.write(KEY.tab);
    await until(lastFrame, "e edit comment");
    stdin.write("e");
    await until(lastFrame, "edit #5: Use let");
    stdin.write(" or const");
    await settle();
    stdin.write(KEY.enter);
    await until(lastFrame, "Comment #5 edited");
    expect(source.editComment).toHaveBeenCalledWith(5, "Use let or const");
  });

  it("offers no adopt or delete to someone else, and q goes back", async () => {
    const onBack = vi.fn();
    const { lastFrame, stdin } = render(
      h(PostScreen, { source: fakeSource(), id: 1, me: { id: 3 }, height: 30, onBack }),
    );
    await until(lastFrame, "Use let");
    stdin.write(KEY.tab);
    await until(lastFrame, "selected comment");
    expect(lastFrame()).not.toContain("adopt");
    expect(lastFrame()).not.toContain("delete");
    stdin.write("q");
    expect(onBack).toHaveBeenCalled();
  });
});

describe("Rankings screen", () => {
  it("refreshes and marks what moved", async () => {
    // Given a board ranking where #2 overtakes #1 between two refreshes
    const snapshots = [
      {
        items: [
          { id: 1, title: "One", views: 5 },
          { id: 2, title: "Two", views: 3 },
        ],
      },
      {
        items: [
          { id: 2, title: "Two", views: 9 },
          { id: 1, title: "One", views: 5 },
          { id: 3, title: "Three", views: 1 },
        ],
      },
    ];
    let calls = 0;
    const source = fakeSource({ ranking: async () => snapshots[Math.min(calls++, 1)] ?? { items: [] } });

    // When the screen refreshes
    const { lastFrame } = render(h(RankingsScreen, { source, kinds: ["boards"], intervalMs: 50 }));
    await until(lastFrame, "#1 One");

    // Then the climber shows ▲, the faller ▼ and the newcomer "new"
    const frame = await until(lastFrame, "Three");
    expect(frame).toMatch(/1\. +▲1 #2 Two 9/);
    expect(frame).toMatch(/2\. +▼1 #1 One 5/);
    expect(frame).toMatch(/3\. new #3 Three 1/);
  });
});

describe("Room screen", () => {
  it("shows history and live messages, members with the host, the connection state, and sends", async () => {
    // Given a room alice opened and bob came into
    let on: { message(m: ChatMessage): void; state(s: ConnectionState): void } | undefined;
    const source = fakeSource({
      openRoom: async (_id, handlers) => {
        on = handlers;
        return {
          room: { id: 7, title: "Review hour", host: alice, status: "OPEN", members: 2, createdAt: at },
          messages: [message(1, "CREATE", alice), message(2, "IN", bob)],
          close: () => {},
        };
      },
    });
    const { lastFrame, stdin } = render(h(RoomScreen, { source, id: 7, height: 20, onBack: () => {} }));
    const frame = await until(lastFrame, "bob came in");
    expect(frame).toContain("alice opened the room");
    expect(frame).toContain("★ alice");

    // When a live message arrives and the connection drops
    on?.message(message(3, "SEND", bob, "hi there"));
    await until(lastFrame, "bob: hi there");
    on?.state("reconnecting");
    await until(lastFrame, "● reconnecting");
    on?.state("connected");
    await until(lastFrame, "● connected");

    // When alice types a line
    stdin.write("hello bob");
    await settle();
    stdin.write(KEY.enter);
    await settle();

    // Then it is sent to the room
    expect(source.send).toHaveBeenCalledWith(7, "hello bob");
  });
});

describe("Room screen history", () => {
  it("loads the older page when scrolling up past the first message loaded", async () => {
    // Given a room whose loaded messages start at seq 60
    const older = vi.fn(async (_room: number, before: number) =>
      Array.from({ length: 3 }, (_, i) => message(before - 3 + i, "SEND", bob, `old ${before - 3 + i}`)),
    );
    const source = fakeSource({
      older,
      openRoom: async () => ({
        room: { id: 7, title: "Busy", host: alice, status: "OPEN", members: 2, createdAt: at },
        messages: [60, 61, 62].map((seq) => message(seq, "SEND", alice, `new ${seq}`)),
        close: () => {},
      }),
    });
    const { lastFrame, stdin } = render(h(RoomScreen, { source, id: 7, height: 8, onBack: () => {} }));
    await until(lastFrame, "new 62");

    // When the user scrolls up
    stdin.write("\u001b[A");

    // Then the messages before seq 60 are fetched and shown above
    await until(lastFrame, "old 59");
    expect(older).toHaveBeenCalledWith(7, 60);
  });
});

describe("Notifications screen", () => {
  it("marks the selected notification read with Enter", async () => {
    const onChange = vi.fn();
    const source = fakeSource({
      notifications: async () => [
        { id: 4, type: "ANNOUNCEMENT", payload: { title: "Maintenance" }, readAt: null, createdAt: at },
      ],
    });
    const { lastFrame, stdin } = render(h(NotificationsScreen, { source, onChange }));
    await until(lastFrame, "● 2026-12-01 10:00 ANNOUNCEMENT Maintenance");
    stdin.write(KEY.enter);
    await until(lastFrame, "   2026-12-01 10:00 ANNOUNCEMENT Maintenance");
    expect(source.readNotification).toHaveBeenCalledWith(4);
    expect(onChange).toHaveBeenCalled();
  });
});

describe("App", () => {
  it("shows tabs with the unread badge, switches tabs, shows help and quits with q", async () => {
    // Given two unread notifications
    const { lastFrame, stdin } = render(
      h(App, { source: fakeSource({ unreadCount: async () => 2 }), server: "http://example.test" }),
    );
    const frame = await until(lastFrame, "Notifications (2)");
    expect(frame).toContain("alice @ http://example.test");

    // When the user presses 2, then ?
    stdin.write("2");
    await until(lastFrame, "Boards (1h)");
    stdin.write("?");
    await until(lastFrame, "Keys");
    stdin.write("x");
    await until(lastFrame, "Users (WORKING)");

    // Then q quits: the app unmounts and leaves an empty screen
    stdin.write("q");
    await settle();
    expect(lastFrame()).toBe("");
  });
});
