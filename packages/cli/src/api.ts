// Every SDK call of the CLI goes through this module, so a change of the SDK's shapes is adapted here only.
import type { CodeChef, Fetch } from "@codechef/sdk";

export type Client = CodeChef;
export type { Fetch };
export type ChatMessage = Awaited<ReturnType<Client["chat"]["rooms"]["messages"]>>["items"][number];
export type Notification = Awaited<ReturnType<Client["notifications"]["list"]>>["items"][number];
export type Session = Awaited<ReturnType<Client["auth"]["login"]>>;

/** The SDK (with zod and ws) loads only when a command talks to the server, so `--version` and `--help` stay fast. */
export async function createClient(baseUrl: string, token?: string, refreshToken?: string, fetch?: Fetch) {
  const { CodeChef } = await import("@codechef/sdk");
  return new CodeChef({ baseUrl, token, refreshToken, fetch });
}
/** The path the SDK posts a refresh token to. */
export const REFRESH_PATH = "/api/v1/auth/refresh";
type Arg<F extends (...args: never[]) => unknown, I extends number = 0> = NonNullable<Parameters<F>[I]>;
type SignupBody = Arg<Client["auth"]["signup"]>;
type BoardsQuery = Arg<Client["boards"]["list"]>;
type CreateBoardBody = Arg<Client["boards"]["create"]>;
type UpdateBoardBody = Arg<Client["boards"]["update"], 1>;
type BoardRankingsQuery = Arg<Client["rankings"]["boards"]>;
type UserRankingsQuery = Arg<Client["rankings"]["users"]>;
type KeywordRankingQuery = Arg<Client["rankings"]["keywords"]>;

export const signup = (c: Client, body: SignupBody) => c.auth.signup(body);
export const login = (c: Client, email: string, password: string) => c.auth.login({ email, password });
export const logout = (c: Client) => c.auth.logout();
export const me = (c: Client) => c.users.me();
export const getUser = (c: Client, id: number) => c.users.get(id);
export const points = (c: Client, userId: number) => c.users.points(userId);

export const listCategories = (c: Client) => c.categories.list();
export const listBoards = (c: Client, query: BoardsQuery) => c.boards.list(query);
export const getBoard = (c: Client, id: number) => c.boards.get(id);
export const createBoard = (c: Client, body: CreateBoardBody) => c.boards.create(body);
export const updateBoard = (c: Client, id: number, body: UpdateBoardBody) => c.boards.update(id, body);
export const deleteBoard = (c: Client, id: number) => c.boards.delete(id);
export const similarBoards = (c: Client, id: number) => c.boards.similar(id);

export const listComments = (c: Client, boardId: number, page = 1) =>
  c.comments.list(boardId, { page, size: 100 });
export const createComment = (c: Client, boardId: number, contents: string) =>
  c.comments.create(boardId, { contents });
export const updateComment = (c: Client, id: number, contents: string) => c.comments.update(id, { contents });
export const deleteComment = (c: Client, id: number) => c.comments.delete(id);
export const adoptComment = (c: Client, id: number) => c.comments.adopt(id);

export const searchBoards = (c: Client, q: string, categoryId?: number, page = 1) =>
  c.search.boards({ q, categoryId, page });

export const rankBoards = (c: Client, query: BoardRankingsQuery) => c.rankings.boards(query);
export const rankUsers = (c: Client, query: UserRankingsQuery) => c.rankings.users(query);
export const rankKeywords = (c: Client, query: KeywordRankingQuery) => c.rankings.keywords(query);

export const listRooms = (c: Client) => c.chat.rooms.list({ size: 100 });
export const createRoom = (c: Client, title: string) => c.chat.rooms.create({ title });
export const joinRoom = (c: Client, id: number) => c.chat.rooms.join(id);
export const leaveRoom = (c: Client, id: number) => c.chat.rooms.leave(id);
/** The latest `limit` messages, or those after `after`. */
export const roomMessages = (c: Client, id: number, query: { after?: number; limit?: number }) =>
  c.chat.rooms.messages(id, query);
export const sendMessage = (c: Client, roomId: number, text: string) =>
  c.realtime.send(roomId, { content: text });
export const followRoom = (
  c: Client,
  roomId: number,
  after: number | undefined,
  on: (m: ChatMessage) => void,
) => c.realtime.subscribeRoom(roomId, on, { after });
export const followNotifications = (c: Client, on: (n: Notification) => void) =>
  c.realtime.subscribeNotifications(on);
export const onConnection = (c: Client, listener: (state: "connected" | "reconnecting") => void) => {
  const stops = [
    c.realtime.on("connect", () => listener("connected")),
    c.realtime.on("close", () => listener("reconnecting")),
  ];
  return () => {
    for (const stop of stops) stop();
  };
};
export const disconnect = (c: Client) => c.realtime.disconnect();

export const listNotifications = (c: Client, unread?: boolean) => c.notifications.list({ unread, limit: 50 });
export const unreadCount = (c: Client) => c.notifications.unreadCount();
export const readNotification = (c: Client, id: number) => c.notifications.read(id);
export const readAllNotifications = (c: Client) => c.notifications.readAll();

export const adminUsers = (c: Client, query?: string, status?: "ACTIVE" | "BLOCKED") =>
  c.admin.users.list({ query, status });
export const warnUser = (c: Client, id: number, reason: string) => c.admin.users.warn(id, { reason });
export const unblockUser = (c: Client, id: number) => c.admin.users.unblock(id);
export const grantPoints = (c: Client, id: number, delta: number, reason: string) =>
  c.admin.users.grantPoints(id, { delta, reason });
export const announce = (c: Client, title: string, body: string) =>
  c.admin.announcements.create({ title, body });
export const addCategory = (c: Client, type: "FRAMEWORK" | "LANGUAGE", name: string) =>
  c.categories.create({ type, name });
export const renameCategory = (c: Client, id: number, name: string) => c.categories.update(id, { name });
export const deleteCategory = (c: Client, id: number) => c.categories.delete(id);

type AttachmentFile = Arg<Client["boards"]["attachments"]["upload"], 1>[number];
type CreateEventBody = Arg<Client["events"]["create"]>;
type CreateThreadBody = Arg<Client["review"]["startThread"], 1>;
type ThreadsQuery = Arg<Client["review"]["threads"], 1>;
type DiffQuery = Arg<Client["review"]["diff"], 1>;
export type BoardEvent = Parameters<Parameters<Client["realtime"]["subscribeBoard"]>[1]>[0];

export const uploadAttachments = (c: Client, boardId: number, files: AttachmentFile[]) =>
  c.boards.attachments.upload(boardId, files);
export const listAttachments = (c: Client, boardId: number) => c.boards.attachments.list(boardId);

export const listEvents = (c: Client) => c.events.list();
export const getEvent = (c: Client, id: number) => c.events.get(id);
export const createEvent = (c: Client, body: CreateEventBody) => c.events.create(body);
export const joinEvent = (c: Client, id: number) => c.events.join(id);

export const listPlans = (c: Client) => c.subscriptions.plans();
export const subscribe = (c: Client, planId: string, paymentToken: string, idempotencyKey?: string) =>
  c.subscriptions.subscribe({ planId, paymentToken }, { idempotencyKey });
export const mySubscriptions = (c: Client) => c.subscriptions.mine();
export const cancelSubscription = (c: Client, id: number, idempotencyKey?: string) =>
  c.subscriptions.cancel(id, { idempotencyKey });
export const refundSubscription = (c: Client, id: number, idempotencyKey?: string) =>
  c.subscriptions.refund(id, { idempotencyKey });

export const revisions = (c: Client, boardId: number) => c.review.revisions(boardId, { size: 100 });
export const revision = (c: Client, boardId: number, number: number) => c.review.revision(boardId, number);
export const diff = (c: Client, boardId: number, query: DiffQuery) => c.review.diff(boardId, query);
export const threads = (c: Client, boardId: number, query: ThreadsQuery = {}) =>
  c.review.threads(boardId, query);
export const thread = (c: Client, id: number) => c.review.thread(id);
export const startThread = (c: Client, boardId: number, body: CreateThreadBody) =>
  c.review.startThread(boardId, body);
export const reply = (c: Client, threadId: number, body: string, suggestion?: string) =>
  c.review.reply(threadId, body, suggestion);
export const resolveThread = (c: Client, id: number) => c.review.resolve(id);
export const reopenThread = (c: Client, id: number) => c.review.reopen(id);
export const applySuggestions = (c: Client, boardId: number, commentIds: number[], message?: string) =>
  c.review.applySuggestions(boardId, commentIds, message);
export const followBoard = (c: Client, boardId: number, on: (event: BoardEvent) => void) =>
  c.realtime.subscribeBoard(boardId, on);
