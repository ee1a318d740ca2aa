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

export interface Database {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  search_outbox: SearchOutboxTable;
  search_log: SearchLogTable;
  search_documents: SearchDocumentsTable;
  search_document_categories: SearchDocumentCategoriesTable;
  search_bigrams: SearchBigramsTable;
  search_fts: SearchFtsTable;
}
