import {
  type AdminUsersQuery,
  adminUsers,
  auth,
  type KeywordRankingQuery,
  keywordRankings,
  type LoginBody,
  type SearchBoardsQuery,
  type SearchHit,
  type Session,
  type SignupBody,
  type SimilarBoardsQuery,
  search,
  type User,
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
}

export class AdminResource extends Resource {
  readonly users = {
    list: (query: z.input<typeof AdminUsersQuery> = {}, options?: RequestOptions) =>
      this.client.request(adminUsers.list, { query }, options),
    iterate: (query: z.input<typeof AdminUsersQuery> = {}, options?: RequestOptions) =>
      this.client.paginate<typeof adminUsers.list, User>(adminUsers.list, { query }, options),
  };
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

  /** Boards sharing the rarest words of board `id`. */
  similar(id: number, query: z.input<typeof SimilarBoardsQuery> = {}, options?: RequestOptions) {
    return this.client.request(search.similarBoards, { params: { id }, query }, options);
  }
}

export class RankingsResource extends Resource {
  /** The most searched keywords in a window (`1h`, `24h`, `7d`). */
  keywords(query: z.input<typeof KeywordRankingQuery> = {}, options?: RequestOptions) {
    return this.client.request(keywordRankings.keywords, { query }, options);
  }
}
