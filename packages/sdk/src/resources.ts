import {
  type AdminUsersQuery,
  type AnnouncementBody,
  adminPoints,
  adminUsers,
  announcements,
  auth,
  type Board,
  type BoardRankings,
  type BoardRankingsQuery,
  type BoardSummary,
  type BoardsQuery,
  boards,
  type CategoriesQuery,
  type Category,
  type ChangePasswordBody,
  type ChatRoom,
  type Comment,
  type CommentBody,
  type CommentsQuery,
  type CreateBoardBody,
  type CreateCategoryBody,
  type CreateRoomBody,
  categories,
  chat,
  comments,
  type GrantPointsBody,
  type KeywordRanking,
  type KeywordRankingQuery,
  keywordRankings,
  type LedgerEntry,
  type LoginBody,
  type MessagesQuery,
  moderation,
  type Notification,
  type NotificationsQuery,
  notifications,
  type PointsQuery,
  points,
  type ReviewersQuery,
  type RoomEntry,
  type RoomsQuery,
  rankings,
  review,
  type SearchBoardsQuery,
  type SearchHit,
  type Session,
  type SetCategoriesBody,
  type SignupBody,
  type SimilarBoardsQuery,
  search,
  type UpdateBoardBody,
  type UpdateCategoryBody,
  type UpdateMeBody,
  type User,
  type UserProfile,
  type UserRankings,
  type UserRankingsQuery,
  userCategories,
  users,
  type WarnBody,
  type Warning,
} from "@codechef/contract";
import type { z } from "zod";
import type { CodeChef, RequestOptions } from "./client.ts";
import { CursorPage, LedgerPage, listOf, MessagePage, NumberedPage, type PagePromise } from "./pagination.ts";

type In<T extends z.ZodType> = z.input<T>;

export abstract class Resource {
  protected readonly client: CodeChef;

  constructor(client: CodeChef) {
    this.client = client;
  }
}

export class AuthResource extends Resource {
  signup(body: SignupBody, options?: RequestOptions): Promise<User> {
    return this.client.request(auth.signup, { body }, options);
  }

  /** Signs in and keeps the session on this client. */
  async login(body: LoginBody, options?: RequestOptions): Promise<Session> {
    const session = await this.client.request(auth.login, { body }, options);
    this.client.setSession(session);
    return session;
  }

  /** Rotates the refresh token this client holds. */
  refresh(): Promise<void> {
    return this.client.refreshSession();
  }

  /** Revokes this client's refresh token family and forgets the session. */
  async logout(options?: RequestOptions): Promise<void> {
    const refreshToken = this.client.refreshToken;
    if (refreshToken) await this.client.request(auth.logout, { body: { refreshToken } }, options);
    this.client.setSession(null);
  }

  /** Changes the password; every session of the user ends, this client's too (log in again). */
  async changePassword(body: ChangePasswordBody, options?: RequestOptions): Promise<void> {
    await this.client.request(auth.changePassword, { body }, options);
    this.client.setSession(null);
  }
}

export class UsersResource extends Resource {
  me(options?: RequestOptions): Promise<User> {
    return this.client.request(users.me, {}, options);
  }

  updateMe(body: In<typeof UpdateMeBody>, options?: RequestOptions): Promise<User> {
    return this.client.request(users.updateMe, { body }, options);
  }

  get(id: number, options?: RequestOptions): Promise<UserProfile> {
    return this.client.request(users.get, { params: { id } }, options);
  }

  /** A user's balance and ledger, newest first. */
  points(id: number, query: PointsQuery = {}, options?: RequestOptions): PagePromise<LedgerPage> {
    return listOf(
      LedgerPage,
      (q: PointsQuery) => this.client.request(points.get, { params: { id }, query: q }, options),
      query,
    );
  }

  /** Sets your frameworks and languages; answers them. */
  setCategories(body: SetCategoriesBody, options?: RequestOptions): Promise<Category[]> {
    return this.client.request(userCategories.set, { body }, options);
  }
}

export class CategoriesResource extends Resource {
  list(query: CategoriesQuery = {}, options?: RequestOptions): Promise<Category[]> {
    return this.client.request(categories.list, { query }, options);
  }

  /** Admins only. */
  create(body: CreateCategoryBody, options?: RequestOptions): Promise<Category> {
    return this.client.request(categories.create, { body }, options);
  }

  /** Admins only. */
  update(id: number, body: UpdateCategoryBody, options?: RequestOptions): Promise<Category> {
    return this.client.request(categories.update, { params: { id }, body }, options);
  }

  /** Admins only; refused while a board carries the category. */
  delete(id: number, options?: RequestOptions): Promise<void> {
    return this.client.request(categories.delete, { params: { id } }, options);
  }
}

export class BoardsResource extends Resource {
  list(query: BoardsQuery = {}, options?: RequestOptions): PagePromise<NumberedPage<BoardSummary>> {
    return listOf(
      NumberedPage<BoardSummary>,
      (q: BoardsQuery) => this.client.request(boards.list, { query: q }, options),
      query,
    );
  }

  create(body: CreateBoardBody, options?: RequestOptions): Promise<Board> {
    return this.client.request(boards.create, { body }, options);
  }

  /** Reads a board; each call counts one view. */
  get(id: number, options?: RequestOptions): Promise<Board> {
    return this.client.request(boards.get, { params: { id } }, options);
  }

  update(id: number, body: UpdateBoardBody, options?: RequestOptions): Promise<Board> {
    return this.client.request(boards.update, { params: { id }, body }, options);
  }

  delete(id: number, options?: RequestOptions): Promise<void> {
    return this.client.request(boards.delete, { params: { id } }, options);
  }

  /** Boards sharing the rarest words of board `id`, most similar first. */
  similar(
    id: number,
    query: In<typeof SimilarBoardsQuery> = {},
    options?: RequestOptions,
  ): Promise<{ items: SearchHit[] }> {
    return this.client.request(search.similarBoards, { params: { id }, query }, options);
  }
}

export class CommentsResource extends Resource {
  /** A board's comments, oldest first. */
  list(
    boardId: number,
    query: CommentsQuery = {},
    options?: RequestOptions,
  ): PagePromise<NumberedPage<Comment>> {
    return listOf(
      NumberedPage<Comment>,
      (q: CommentsQuery) =>
        this.client.request(comments.list, { params: { id: boardId }, query: q }, options),
      query,
    );
  }

  create(boardId: number, body: CommentBody, options?: RequestOptions): Promise<Comment> {
    return this.client.request(comments.create, { params: { id: boardId }, body }, options);
  }

  update(id: number, body: CommentBody, options?: RequestOptions): Promise<Comment> {
    return this.client.request(comments.update, { params: { id }, body }, options);
  }

  delete(id: number, options?: RequestOptions): Promise<void> {
    return this.client.request(comments.delete, { params: { id } }, options);
  }

  /** Adopts a comment on your board; its author earns the adoption points. */
  adopt(id: number, options?: RequestOptions): Promise<Comment> {
    return this.client.request(comments.adopt, { params: { id } }, options);
  }
}

/** Admins only. */
export class AdminResource extends Resource {
  readonly users = {
    list: (
      query: In<typeof AdminUsersQuery> = {},
      options?: RequestOptions,
    ): PagePromise<NumberedPage<User>> =>
      listOf(
        NumberedPage<User>,
        (q: In<typeof AdminUsersQuery>) => this.client.request(adminUsers.list, { query: q }, options),
        query,
      ),
    warn: (id: number, body: WarnBody, options?: RequestOptions): Promise<Warning> =>
      this.client.request(moderation.warn, { params: { id }, body }, options),
    unblock: (id: number, options?: RequestOptions): Promise<User> =>
      this.client.request(moderation.unblock, { params: { id } }, options),
    /** Grants (or, with a negative delta, deducts) points; a retry with the same key never applies twice. */
    grantPoints: (id: number, body: GrantPointsBody, options?: RequestOptions): Promise<LedgerEntry> =>
      this.client.request(adminPoints.grant, { params: { id }, body }, options),
  };

  readonly announcements = {
    /** Notifies every user at once (one broadcast notification). */
    create: (body: AnnouncementBody, options?: RequestOptions): Promise<Notification> =>
      this.client.request(announcements.create, { body }, options),
  };
}

export class ChatResource extends Resource {
  readonly rooms = {
    create: (body: CreateRoomBody, options?: RequestOptions): Promise<ChatRoom> =>
      this.client.request(chat.createRoom, { body }, options),
    list: (
      query: In<typeof RoomsQuery> = {},
      options?: RequestOptions,
    ): PagePromise<NumberedPage<ChatRoom>> =>
      listOf(
        NumberedPage<ChatRoom>,
        (q: In<typeof RoomsQuery>) => this.client.request(chat.listRooms, { query: q }, options),
        query,
      ),
    get: (id: number, options?: RequestOptions): Promise<ChatRoom> =>
      this.client.request(chat.getRoom, { params: { id } }, options),
    /** Enters a room (again is harmless); answers the room and its recent messages. */
    join: (id: number, options?: RequestOptions): Promise<RoomEntry> =>
      this.client.request(chat.join, { params: { id } }, options),
    leave: (id: number, options?: RequestOptions): Promise<void> =>
      this.client.request(chat.leave, { params: { id } }, options),
    /**
     * A room's messages in ascending seq: those after `after`, or the latest `limit` without it; walking on
     * fetches what came after each page.
     */
    messages: (id: number, query: MessagesQuery = {}, options?: RequestOptions): PagePromise<MessagePage> =>
      listOf(
        MessagePage,
        (q: MessagesQuery) => this.client.request(chat.messages, { params: { id }, query: q }, options),
        query,
      ),
  };
}

/** `unread` goes on the wire as `true`/`false`. */
export type NotificationsListQuery = Omit<NotificationsQuery, "unread"> & { unread?: boolean };

export class NotificationsResource extends Resource {
  /** Your notifications, newest first. */
  list(query: NotificationsListQuery = {}, options?: RequestOptions): PagePromise<CursorPage<Notification>> {
    return listOf(
      CursorPage<Notification>,
      ({ unread, ...q }: NotificationsListQuery) =>
        this.client.request(notifications.list, { query: { ...q, unread: unread?.toString() } }, options),
      query,
    );
  }

  unreadCount(options?: RequestOptions): Promise<{ count: number }> {
    return this.client.request(notifications.unreadCount, {}, options);
  }

  read(id: number, options?: RequestOptions): Promise<Notification> {
    return this.client.request(notifications.read, { params: { id } }, options);
  }

  readAll(options?: RequestOptions): Promise<void> {
    return this.client.request(notifications.readAll, {}, options);
  }
}

export class SearchResource extends Resource {
  /** Boards matching `q`, most relevant first; each page fetched is one logged search. */
  boards(
    query: In<typeof SearchBoardsQuery>,
    options?: RequestOptions,
  ): PagePromise<NumberedPage<SearchHit>> {
    return listOf(
      NumberedPage<SearchHit>,
      (q: In<typeof SearchBoardsQuery>) => this.client.request(search.boards, { query: q }, options),
      query,
    );
  }
}

export class RankingsResource extends Resource {
  /** The most viewed boards over a rolling window (`1h` by default, top 3 unless `limit`). */
  boards(query: BoardRankingsQuery = {}, options?: RequestOptions): Promise<BoardRankings> {
    return this.client.request(rankings.boards, { query }, options);
  }

  /** Users with the most points in one career, now (`realtime`) or earned last month. */
  users(query: UserRankingsQuery, options?: RequestOptions): Promise<UserRankings> {
    return this.client.request(rankings.users, { query }, options);
  }

  /** Reviewers with the most points earned in a category (a language or framework): all time, or last month. */
  reviewers(query: ReviewersQuery, options?: RequestOptions) {
    return this.client.request(review.reviewers, { query }, options);
  }

  /** The most searched keywords in a window (`1h`, `24h`, `7d`). */
  keywords(query: In<typeof KeywordRankingQuery> = {}, options?: RequestOptions): Promise<KeywordRanking> {
    return this.client.request(keywordRankings.keywords, { query }, options);
  }
}
