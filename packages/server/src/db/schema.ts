import type { Generated } from "kysely";

/** Times are epoch milliseconds on every dialect; presenters turn them into ISO-8601. */
export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  nickname: string;
  career: "WORKING" | "ASPIRING";
  role: "USER" | "ADMIN";
  status: "ACTIVE" | "BLOCKED";
  warning_count: Generated<number>;
  points: Generated<number>;
  created_at: number;
  updated_at: number;
  /** The nickname's confusable skeleton, digested (migration 007); unique. */
  nickname_key: string | null;
}

export interface RefreshTokensTable {
  id: Generated<number>;
  user_id: number;
  family_id: string;
  token_hash: string;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface CategoriesTable {
  id: Generated<number>;
  type: "FRAMEWORK" | "LANGUAGE";
  name: string;
  created_at: number;
}

export interface UserCategoriesTable {
  user_id: number;
  category_id: number;
}

export interface BoardsTable {
  id: Generated<number>;
  author_id: number;
  title: string;
  contents: string;
  view_count: Generated<number>;
  adopted_comment_id: number | null;
  /** Raised by every change to what the detail shows; the cache keeps only the newest. */
  version: Generated<number>;
  /** The latest revision's number; raised atomically to allocate the next. */
  revision: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface BoardCategoriesTable {
  board_id: number;
  category_id: number;
}

export interface BoardViewsHourlyTable {
  board_id: number;
  hour_start_ms: number;
  views: number;
}

export interface CommentsTable {
  id: Generated<number>;
  board_id: number;
  author_id: number;
  contents: string;
  /** 0 or 1. */
  adopted: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface PointLedgerTable {
  id: Generated<number>;
  user_id: number;
  delta: number;
  reason: string;
  reference: string | null;
  idempotency_key: string | null;
  balance_after: number;
  created_at: number;
}

export interface WarningsTable {
  id: Generated<number>;
  user_id: number;
  issued_by: number;
  reason: string;
  created_at: number;
}

/** `user_id` null: a broadcast to every user created before it; their reads go to `notification_reads`. */
export interface NotificationsTable {
  id: Generated<number>;
  user_id: number | null;
  type: string;
  /** JSON text. */
  payload: string;
  read_at: number | null;
  created_at: number;
}

export interface NotificationReadsTable {
  notification_id: number;
  user_id: number;
  read_at: number;
}

/** What must reach the message bus, written in the transaction of its cause and relayed after commit. */
export interface OutboxTable {
  id: Generated<number>;
  topic: string;
  /** JSON text of the bus message. */
  message: string;
  created_at: number;
}

export interface ChatRoomsTable {
  id: Generated<number>;
  title: string;
  host_id: number;
  status: "OPEN" | "CLOSED";
  /** The seq of the room's latest message; incremented atomically to allocate the next. */
  last_seq: Generated<number>;
  created_at: number;
}

export interface ChatMembersTable {
  room_id: number;
  user_id: number;
  joined_at: number;
}

export interface ChatMessagesTable {
  id: Generated<number>;
  room_id: number;
  seq: number;
  type: "CREATE" | "IN" | "OUT" | "NEW_HOST" | "SEND";
  sender_id: number | null;
  content: string;
  created_at: number;
}

export interface SearchOutboxTable {
  id: Generated<number>;
  board_id: number;
  op: "upsert" | "delete";
  created_at: number;
}

export interface SearchLogTable {
  id: Generated<number>;
  keyword: string;
  user_id: number | null;
  created_at: number;
}

export interface SearchDocumentsTable {
  board_id: number;
  version: number;
  title: string;
  contents: string;
  categories: string;
  /** The `_key` columns hold the folded text matched against; the others are shown. */
  title_key: string;
  contents_key: string;
  categories_key: string;
}

export interface SearchDocumentCategoriesTable {
  category_id: number;
  board_id: number;
}

export interface SearchBigramsTable {
  gram: string;
  board_id: number;
}

/** SQLite only: an FTS5 table (trigram tokenizer) whose rowid is the board id. */
export interface SearchFtsTable {
  rowid: number;
  title: string;
  contents: string;
  categories: string;
}

/** One row (`id` 1) raised by every change a cache depends on: the search index, or the keyword searchers. */
export interface GenerationTable {
  id: number;
  generation: number;
}

export interface AttachmentsTable {
  id: Generated<number>;
  board_id: number;
  name: string;
  storage_key: string;
  content_type: "image/jpeg" | "image/png";
  size: number;
  width: number;
  height: number;
  created_at: number;
}

export interface StorageSweepTable {
  storage_key: string;
  due_at: number;
}

export interface EventsTable {
  id: Generated<number>;
  title: string;
  capacity: number;
  points: number;
  taken: Generated<number>;
  starts_at: number;
  ends_at: number | null;
  start_notified_at: number | null;
  created_by: number;
  created_at: number;
}

export interface EventParticipantsTable {
  event_id: number;
  user_id: number;
  created_at: number;
}

export type SubscriptionStatus = "PENDING" | "ACTIVE" | "CANCELED" | "PAST_DUE" | "EXPIRED" | "REFUNDED";

export interface SubscriptionsTable {
  id: Generated<number>;
  user_id: number;
  live_user_id: number | null;
  plan_id: string;
  status: SubscriptionStatus;
  payment_token: string;
  idempotency_key: string | null;
  period: Generated<number>;
  current_period_end: number | null;
  points_granted: Generated<number>;
  failed_renewals: Generated<number>;
  renew_at: number | null;
  canceled_at: number | null;
  created_at: number;
  updated_at: number;
}

export type ChargeStatus = "PENDING" | "SUCCEEDED" | "FAILED" | "REFUNDING" | "REFUNDED";

export interface SubscriptionChargesTable {
  id: Generated<number>;
  subscription_id: number;
  period: number;
  attempt: number;
  gateway_key: string;
  amount: number;
  currency: string;
  points: number;
  status: ChargeStatus;
  gateway_charge_id: string | null;
  next_try_at: number;
  created_at: number;
  settled_at: number | null;
}

export interface Database {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  categories: CategoriesTable;
  user_categories: UserCategoriesTable;
  boards: BoardsTable;
  board_categories: BoardCategoriesTable;
  board_views_hourly: BoardViewsHourlyTable;
  comments: CommentsTable;
  point_ledger: PointLedgerTable;
  warnings: WarningsTable;
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
  outbox: OutboxTable;
  chat_rooms: ChatRoomsTable;
  chat_members: ChatMembersTable;
  chat_messages: ChatMessagesTable;
  search_outbox: SearchOutboxTable;
  search_log: SearchLogTable;
  search_documents: SearchDocumentsTable;
  search_document_categories: SearchDocumentCategoriesTable;
  search_bigrams: SearchBigramsTable;
  search_fts: SearchFtsTable;
  search_generation: GenerationTable;
  keyword_generation: GenerationTable;
  idempotency_keys: IdempotencyKeysTable;
  board_viewers: BoardViewersTable;
  keyword_searchers: KeywordSearchersTable;
  attachments: AttachmentsTable;
  storage_sweep: StorageSweepTable;
  events: EventsTable;
  event_participants: EventParticipantsTable;
  subscriptions: SubscriptionsTable;
  subscription_charges: SubscriptionChargesTable;
  board_revisions: BoardRevisionsTable;
  revision_files: RevisionFilesTable;
  review_threads: ReviewThreadsTable;
  review_comments: ReviewCommentsTable;
  board_watchers: BoardWatchersTable;
  review_points: ReviewPointsTable;
  relay_leases: RelayLeasesTable;
}

export interface BoardRevisionsTable {
  board_id: number;
  number: number;
  author_id: number;
  message: string | null;
  created_at: number;
}

/** Every revision holds the whole set of the board's files. */
export interface RevisionFilesTable {
  board_id: number;
  revision: number;
  path: string;
  language: string;
  content: string;
}

/** `current_*` are null once the thread's lines changed (it is outdated). */
export interface ReviewThreadsTable {
  id: Generated<number>;
  board_id: number;
  author_id: number;
  path: string;
  original_revision: number;
  original_start: number;
  original_end: number;
  current_revision: number | null;
  current_start: number | null;
  current_end: number | null;
  state: "OPEN" | "RESOLVED";
  created_at: number;
  updated_at: number;
}

export interface ReviewCommentsTable {
  id: Generated<number>;
  thread_id: number;
  author_id: number;
  body: string;
  suggestion: string | null;
  applied_revision: number | null;
  created_at: number;
}

export interface BoardWatchersTable {
  board_id: number;
  user_id: number;
  created_at: number;
}

/** The part of a ledger entry (an adoption, an applied suggestion) earned in each category of its board. */
export interface ReviewPointsTable {
  ledger_id: number;
  category_id: number;
  user_id: number;
  points: number;
  created_at: number;
}

/** Who viewed a board in an hour (`u:{userId}` or `a:{address}`): a view counts when its row is new. */
export interface BoardViewersTable {
  hour_start_ms: number;
  board_id: number;
  viewer: string;
}

/** Who searched a keyword in an hour, from when: the SQL keyword ranking counts these rows. */
export interface KeywordSearchersTable {
  hour_start_ms: number;
  keyword: string;
  searcher: string;
  created_at: number;
}

export interface IdempotencyKeysTable {
  /** `user:{id}`, or `anonymous` for calls without a token. */
  scope: string;
  idempotency_key: string;
  /** HMAC of the method, path and body: the same key with another request is refused. */
  fingerprint: string;
  /** Null while the first request runs. */
  status: number | null;
  /** The JSON body answered (an error's `{code, message, details}` for a 4xx). */
  body: string | null;
  location: string | null;
  /** A reservation whose request died is taken over after this time. */
  locked_until: number;
  expires_at: number;
}

/** Who relays the outbox (`name: "outbox"`): the holder, until `expires_at` (epoch ms). */
export interface RelayLeasesTable {
  name: string;
  holder: string | null;
  expires_at: number;
}
