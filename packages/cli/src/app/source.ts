import type { ChatMessage, Notification } from "../api.ts";
import * as api from "../api.ts";
import { fetchRanking } from "../commands/browse.ts";
import type { RankingKind } from "../rankings.ts";

type Awaited2<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
export type BoardPage = Pick<Awaited2<typeof api.listBoards>, "items" | "page" | "size" | "total">;
export type Board = Awaited2<typeof api.getBoard>;
export type Comment = Awaited2<typeof api.listComments>["items"][number];
export type Room = Awaited2<typeof api.listRooms>["items"][number];
export type { ChatMessage, Notification };
export type ConnectionState = "connecting" | "connected" | "reconnecting";

/** What the screens read and do, so tests can hand them a fake. */
export interface Source {
  me(): Promise<{ id: number; nickname: string } | undefined>;
  boards(query: { page: number; sort: "latest" | "views"; categoryId?: number }): Promise<BoardPage>;
  categories(): Promise<{ id: number; name: string }[]>;
  search(q: string): Promise<{ items: { id: number; title: string }[] }>;
  board(id: number): Promise<{ board: Board; comments: Comment[] }>;
  comment(boardId: number, text: string): Promise<unknown>;
  editComment(commentId: number, text: string): Promise<unknown>;
  adopt(commentId: number): Promise<unknown>;
  deleteComment(commentId: number): Promise<unknown>;
  deleteBoard(boardId: number): Promise<unknown>;
  ranking(kind: RankingKind): Promise<{ items: unknown[] }>;
  rooms(): Promise<Room[]>;
  /** Joins, answers the recent messages and follows the room until the returned function is called. */
  openRoom(
    id: number,
    on: { message(m: ChatMessage): void; state(s: ConnectionState): void },
  ): Promise<{ room: Room; messages: ChatMessage[]; close(): void }>;
  older(roomId: number, beforeSeq: number): Promise<ChatMessage[]>;
  send(roomId: number, text: string): Promise<void>;
  notifications(): Promise<Notification[]>;
  unreadCount(): Promise<number>;
  readNotification(id: number): Promise<unknown>;
  followNotifications(on: (n: Notification) => void): Promise<() => void>;
}

export function clientSource(client: api.Client): Source {
  const signedIn = () => client.accessToken !== undefined;
  return {
    me: async () => (signedIn() ? api.me(client) : undefined),
    boards: (query) => api.listBoards(client, { ...query, size: 20 }),
    categories: () => api.listCategories(client),
    search: (q) => api.searchBoards(client, q),
    board: async (id) => {
      const [board, comments] = await Promise.all([api.getBoard(client, id), api.listComments(client, id)]);
      return { board, comments: comments.items };
    },
    comment: (boardId, text) => api.createComment(client, boardId, text),
    editComment: (id, text) => api.updateComment(client, id, text),
    adopt: (id) => api.adoptComment(client, id),
    deleteComment: (id) => api.deleteComment(client, id),
    deleteBoard: (id) => api.deleteBoard(client, id),
    ranking: (kind) =>
      fetchRanking(
        client,
        kind,
        kind === "users"
          ? { career: "WORKING", period: "realtime" }
          : { window: kind === "boards" ? "1h" : "24h" },
      ),
    rooms: async () => (await api.listRooms(client)).items,
    openRoom: async (id, on) => {
      const stop = api.onConnection(client, on.state);
      const entry = await api.joinRoom(client, id);
      on.state("connecting");
      const subscription = await api.followRoom(client, id, entry.messages.at(-1)?.seq ?? 0, on.message);
      on.state("connected");
      return {
        room: entry.room,
        messages: entry.messages,
        close: () => {
          stop();
          subscription.unsubscribe();
        },
      };
    },
    older: async (roomId, beforeSeq) => {
      const after = Math.max(0, beforeSeq - 51);
      const page = await api.roomMessages(client, roomId, { after, limit: beforeSeq - 1 - after || 1 });
      return page.items.filter((m) => m.seq < beforeSeq);
    },
    send: (roomId, text) => api.sendMessage(client, roomId, text),
    notifications: async () => (signedIn() ? (await api.listNotifications(client)).items : []),
    unreadCount: async () => (signedIn() ? (await api.unreadCount(client)).count : 0),
    readNotification: (id) => api.readNotification(client, id),
    followNotifications: async (on) => {
      if (!signedIn()) return () => {};
      const subscription = await api.followNotifications(client, on);
      return () => subscription.unsubscribe();
    },
  };
}

export type ReviewBoard = Board;
export type Thread = Awaited2<typeof api.thread>;
export type Revision = Awaited2<typeof api.revision>;
export type BoardDiff = Awaited2<typeof api.diff>;
export type NewThread = Parameters<typeof api.startThread>[2];

/** What the review screen reads and does. */
export interface ReviewSource {
  me(): Promise<{ id: number; nickname: string } | undefined>;
  board(id: number): Promise<ReviewBoard>;
  files(boardId: number, revision: number): Promise<Revision["files"]>;
  threads(boardId: number): Promise<Thread[]>;
  startThread(boardId: number, body: NewThread): Promise<Thread>;
  reply(threadId: number, body: string, suggestion?: string): Promise<unknown>;
  resolve(threadId: number): Promise<unknown>;
  reopen(threadId: number): Promise<unknown>;
  apply(boardId: number, commentIds: number[]): Promise<{ number: number }>;
  diff(boardId: number, from: number, to: number): Promise<BoardDiff>;
  /** Calls `changed` on every thread, reply, resolution and revision of the board until the answer is called. */
  follow(boardId: number, changed: (event: api.BoardEvent) => void): Promise<() => void>;
  /** The text after editing it in `$VISUAL`/`$EDITOR`, or undefined when the editor failed. */
  edit(text: string): Promise<string | undefined>;
}

export function clientReviewSource(client: api.Client, edit: ReviewSource["edit"]): ReviewSource {
  return {
    me: async () => (client.accessToken !== undefined ? api.me(client) : undefined),
    board: (id) => api.getBoard(client, id),
    files: async (boardId, revision) => (await api.revision(client, boardId, revision)).files,
    threads: (boardId) => api.threads(client, boardId),
    startThread: (boardId, body) => api.startThread(client, boardId, body),
    reply: (threadId, body, suggestion) => api.reply(client, threadId, body, suggestion),
    resolve: (id) => api.resolveThread(client, id),
    reopen: (id) => api.reopenThread(client, id),
    apply: (boardId, ids) => api.applySuggestions(client, boardId, ids),
    diff: (boardId, from, to) => api.diff(client, boardId, { from, to }),
    follow: async (boardId, changed) => {
      const subscription = await api.followBoard(client, boardId, changed);
      return () => subscription.unsubscribe();
    },
    edit,
  };
}
