import {
  type AdminUsersQuery,
  type AnnouncementBody,
  adminPoints,
  adminUsers,
  announcements,
  auth,
  type BoardRankingsQuery,
  type BoardSummary,
  type BoardsQuery,
  boards,
  type CategoriesQuery,
  type ChatMessage,
  type Comment,
  type CommentsQuery,
  type CreateBoardBody,
  type CreateCategoryBody,
  type CreateRoomBody,
  categories,
  chat,
  comments,
  type GrantPointsBody,
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
  rankings,
  review,
  type SearchBoardsQuery,
  type SearchHit,
  type Session,
  type SignupBody,
  type SimilarBoardsQuery,
  search,
  type UpdateBoardBody,
  type UpdateCategoryBody,
  type User,
  type UserRankingsQuery,
  userCategories,
  users,
} from "@codechef/contract";
import type { z } from "zod";
import type { CodeChef, RequestOptions } from "./client.ts";

export abstract class Resource {
  protected readonly client: CodeChef;

  constructor(client: CodeChef) {
    this.client = client;
  }
}

export class AuthResource extends Resource {
  signup(body: SignupBody, options?: RequestOptions) {
    return this.client.request(auth.signup, { body }, options);
  }

  /** Signs in and keeps the session on this client. */
  async login(body: LoginBody, options?: RequestOptions): Promise<Session> {
    const session = await this.client.request(auth.login, { body }, options);
    this.client.setSession(session);
    return session;
  }

  /** Rotates the refresh token this client holds. */
  async refresh(): Promise<void> {
    await this.client.refreshSession();
  }

  /** Revokes this client's refresh token family and forgets the session. */
  async logout(options?: RequestOptions): Promise<void> {
    const refreshToken = this.client.refreshToken;
    if (refreshToken) await this.client.request(auth.logout, { body: { refreshToken } }, options);
    this.client.setSession(null);
  }
}

export class UsersResource extends Resource {
  me(options?: RequestOptions) {
    return this.client.request(users.me, {}, options);
  }

  updateMe(body: z.input<typeof users.updateMe.body>, options?: RequestOptions) {
    return this.client.request(users.updateMe, { body }, options);
  }

  get(id: number, options?: RequestOptions) {
    return this.client.request(users.get, { params: { id } }, options);
  }

  /** A user's balance and the newest page of their ledger. */
  points(id: number, query: PointsQuery = {}, options?: RequestOptions) {
    return this.client.request(points.get, { params: { id }, query }, options);
  }

  /** Every ledger entry of a user, newest first. */
  iteratePoints(id: number, query: PointsQuery = {}, options?: RequestOptions) {
    return this.client.paginateCursor<typeof points.get, LedgerEntry>(
      points.get,
      { params: { id }, query },
      options,
    );
  }

  /** Sets your frameworks and languages. */
  setCategories(categoryIds: number[], options?: RequestOptions) {
    return this.client.request(userCategories.set, { body: { categoryIds } }, options);
  }
}

export class CategoriesResource extends Resource {
  list(query: CategoriesQuery = {}, options?: RequestOptions) {
    return this.client.request(categories.list, { query }, options);
  }

  /** Admins only. */
  create(body: CreateCategoryBody, options?: RequestOptions) {
    return this.client.request(categories.create, { body }, options);
  }

  /** Admins only. */
  update(id: number, body: UpdateCategoryBody, options?: RequestOptions) {
    return this.client.request(categories.update, { params: { id }, body }, options);
  }

  /** Admins only; refused while a board carries the category. */
  delete(id: number, options?: RequestOptions) {
    return this.client.request(categories.delete, { params: { id } }, options);
  }
}

export class BoardsResource extends Resource {
  list(query: BoardsQuery = {}, options?: RequestOptions) {
    return this.client.request(boards.list, { query }, options);
  }

  iterate(query: BoardsQuery = {}, options?: RequestOptions) {
    return this.client.paginate<typeof boards.list, BoardSummary>(boards.list, { query }, options);
  }

  create(body: CreateBoardBody, options?: RequestOptions) {
    return this.client.request(boards.create, { body }, options);
  }

  /** Reads a board; each call counts one view. */
  get(id: number, options?: RequestOptions) {
    return this.client.request(boards.get, { params: { id } }, options);
  }

  update(id: number, body: UpdateBoardBody, options?: RequestOptions) {
    return this.client.request(boards.update, { params: { id }, body }, options);
  }

  delete(id: number, options?: RequestOptions) {
    return this.client.request(boards.delete, { params: { id } }, options);
  }

  /** Boards sharing the rarest words of board `id`, most similar first. */
  similar(id: number, query: z.input<typeof SimilarBoardsQuery> = {}, options?: RequestOptions) {
    return this.client.request(search.similarBoards, { params: { id }, query }, options);
  }
}

export class CommentsResource extends Resource {
  list(boardId: number, query: CommentsQuery = {}, options?: RequestOptions) {
    return this.client.request(comments.list, { params: { id: boardId }, query }, options);
  }

  iterate(boardId: number, query: CommentsQuery = {}, options?: RequestOptions) {
    return this.client.paginate<typeof comments.list, Comment>(
      comments.list,
      { params: { id: boardId }, query },
      options,
    );
  }

  create(boardId: number, contents: string, options?: RequestOptions) {
    return this.client.request(comments.create, { params: { id: boardId }, body: { contents } }, options);
  }

  update(id: number, contents: string, options?: RequestOptions) {
    return this.client.request(comments.update, { params: { id }, body: { contents } }, options);
  }

  delete(id: number, options?: RequestOptions) {
    return this.client.request(comments.delete, { params: { id } }, options);
  }

  /** Adopts a comment on your board; its author earns the adoption points. */
  adopt(id: number, options?: RequestOptions) {
    return this.client.request(comments.adopt, { params: { id } }, options);
  }
}

export class AdminResource extends Resource {
  readonly users = {
    list: (query: z.input<typeof AdminUsersQuery> = {}, options?: RequestOptions) =>
      this.client.request(adminUsers.list, { query }, options),
    iterate: (query: z.input<typeof AdminUsersQuery> = {}, options?: RequestOptions) =>
      this.client.paginate<typeof adminUsers.list, User>(adminUsers.list, { query }, options),
    warn: (id: number, body: { reason: string }, options?: RequestOptions) =>
      this.client.request(moderation.warn, { params: { id }, body }, options),
    unblock: (id: number, options?: RequestOptions) =>
      this.client.request(moderation.unblock, { params: { id } }, options),
    /** Grants (or, with a negative delta, deducts) points; pass `idempotencyKey` so a retry never applies twice. */
    grantPoints: (id: number, body: GrantPointsBody, options?: RequestOptions) =>
      this.client.request(adminPoints.grant, { params: { id }, body }, options),
  };

  /** The same calls as `client.categories.create/update/delete`. */
  readonly categories = {
    create: (body: CreateCategoryBody, options?: RequestOptions) =>
      this.client.request(categories.create, { body }, options),
    update: (id: number, body: UpdateCategoryBody, options?: RequestOptions) =>
      this.client.request(categories.update, { params: { id }, body }, options),
    delete: (id: number, options?: RequestOptions) =>
      this.client.request(categories.delete, { params: { id } }, options),
  };

  readonly announcements = {
    /** Notifies every user at once (one broadcast notification). */
    create: (body: AnnouncementBody, options?: RequestOptions) =>
      this.client.request(announcements.create, { body }, options),
  };
}

export class ChatResource extends Resource {
  readonly rooms = {
    create: (body: CreateRoomBody, options?: RequestOptions) =>
      this.client.request(chat.createRoom, { body }, options),
    list: (query: z.input<typeof chat.listRooms.query> = {}, options?: RequestOptions) =>
      this.client.request(chat.listRooms, { query }, options),
    get: (id: number, options?: RequestOptions) =>
      this.client.request(chat.getRoom, { params: { id } }, options),
    /** Enters a room (again is harmless); answers the room and its recent messages. */
    join: (id: number, options?: RequestOptions) =>
      this.client.request(chat.join, { params: { id } }, options),
    leave: (id: number, options?: RequestOptions) =>
      this.client.request(chat.leave, { params: { id } }, options),
    messages: (id: number, query: MessagesQuery = {}, options?: RequestOptions) =>
      this.client.request(chat.messages, { params: { id }, query }, options),
    /** Every message after `after` (default: from the start), oldest first. */
    iterateMessages: (id: number, query: MessagesQuery = {}, options?: RequestOptions) =>
      this.#iterateMessages(id, query, options),
  };

  async *#iterateMessages(
    id: number,
    query: MessagesQuery,
    options?: RequestOptions,
  ): AsyncGenerator<ChatMessage> {
    let after = query.after ?? 0;
    for (;;) {
      const page = await this.client.request(
        chat.messages,
        { params: { id }, query: { ...query, after } },
        options,
      );
      yield* page.items;
      const last = page.items.at(-1);
      if (!page.nextCursor || !last) return;
      after = last.seq;
    }
  }
}

/** `unread` goes on the wire as `true`/`false`. */
type NotificationsListQuery = Omit<NotificationsQuery, "unread"> & { unread?: boolean };

export class NotificationsResource extends Resource {
  list({ unread, ...query }: NotificationsListQuery = {}, options?: RequestOptions) {
    return this.client.request(
      notifications.list,
      { query: { ...query, unread: unread?.toString() } },
      options,
    );
  }

  iterate({ unread, ...query }: NotificationsListQuery = {}, options?: RequestOptions) {
    return this.client.paginateCursor<typeof notifications.list, Notification>(
      notifications.list,
      { query: { ...query, unread: unread?.toString() } },
      options,
    );
  }

  async unreadCount(options?: RequestOptions): Promise<number> {
    return (await this.client.request(notifications.unreadCount, {}, options)).count;
  }

  read(id: number, options?: RequestOptions) {
    return this.client.request(notifications.read, { params: { id } }, options);
  }

  readAll(options?: RequestOptions) {
    return this.client.request(notifications.readAll, {}, options);
  }
}

export class SearchResource extends Resource {
  /** One page of boards matching `q`, most relevant first. */
  boards(query: z.input<typeof SearchBoardsQuery>, options?: RequestOptions) {
    return this.client.request(search.boards, { query }, options);
  }

  /** Every board matching `q`, page by page; each page fetched is one logged search. */
  iterate(query: z.input<typeof SearchBoardsQuery>, options?: RequestOptions) {
    return this.client.paginate<typeof search.boards, SearchHit>(search.boards, { query }, options);
  }
}

export class RankingsResource extends Resource {
  /** The most viewed boards over a rolling window (`1h` by default, top 3 unless `limit`). */
  boards(query: BoardRankingsQuery = {}, options?: RequestOptions) {
    return this.client.request(rankings.boards, { query }, options);
  }

  /** Users with the most points in one career, now (`realtime`) or earned last month. */
  users(query: UserRankingsQuery, options?: RequestOptions) {
    return this.client.request(rankings.users, { query }, options);
  }

  /** Reviewers with the most points earned in a category (a language or framework): all time, or last month. */
  reviewers(query: ReviewersQuery, options?: RequestOptions) {
    return this.client.request(review.reviewers, { query }, options);
  }

  /** The most searched keywords in a window (`1h`, `24h`, `7d`). */
  keywords(query: z.input<typeof KeywordRankingQuery> = {}, options?: RequestOptions) {
    return this.client.request(keywordRankings.keywords, { query }, options);
  }
}
