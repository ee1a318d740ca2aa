import { z } from "zod";
import { api } from "./api.ts";
import { LoginBody, RefreshBody, Session, SignupBody } from "./auth.ts";
import { Board, BoardSummary, CreateBoardBody, UpdateBoardBody } from "./boards.ts";
import {
  Category,
  CategoryType,
  CreateCategoryBody,
  SetCategoriesBody,
  UpdateCategoryBody,
} from "./categories.ts";
import {
  ChatMessage,
  ChatMessageType,
  ChatRoom,
  CreateRoomBody,
  MessagePage,
  RoomEntry,
  RoomStatus,
} from "./chat.ts";
import { Comment, CommentBody } from "./comments.ts";
import { Id, Timestamp } from "./common.ts";
import { type Endpoint, errorsOf, isCreating } from "./endpoint.ts";
import { ErrorBody, ErrorDetail } from "./errors.ts";
import { WarnBody, Warning } from "./moderation.ts";
import { AnnouncementBody, Notification } from "./notifications.ts";
import { GrantPointsBody, IdempotencyHeaders, LedgerEntry, Points } from "./points.ts";
import { BoardRankings, RankedBoard, RankedUser, UserRankings } from "./rankings.ts";
import {
  chatRoomSendDestination,
  chatRoomTopic,
  NOTIFICATIONS_DESTINATION,
  REALTIME_PATH,
} from "./realtime.ts";
import { KeywordRanking, SearchHit } from "./search.ts";
import { Career, PublicUser, Role, User, UserRef, UserStatus } from "./users.ts";

export const API_BASE_PATH = "/api/v1";

/** How long the server remembers an `Idempotency-Key` and answers its first response again. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** Schemas that appear under `components.schemas`, by name; everything else is inlined. */
const NAMED: Record<string, z.ZodType> = {
  Error: ErrorBody,
  ErrorDetail,
  Career,
  Role,
  UserStatus,
  User,
  PublicUser,
  UserRef,
  Session,
  CategoryType,
  Category,
  Board,
  BoardSummary,
  Comment,
  LedgerEntry,
  Points,
  Warning,
  Notification,
  RoomStatus,
  ChatRoom,
  ChatMessageType,
  ChatMessage,
  MessagePage,
  RoomEntry,
  SearchHit,
  RankedBoard,
  BoardRankings,
  RankedUser,
  UserRankings,
  KeywordRanking,
  SignupBody,
  LoginBody,
  RefreshBody,
  CreateBoardBody,
  UpdateBoardBody,
  CreateCategoryBody,
  UpdateCategoryBody,
  SetCategoriesBody,
  CommentBody,
  GrantPointsBody,
  WarnBody,
  AnnouncementBody,
  CreateRoomBody,
};

const SAFE = Number.MAX_SAFE_INTEGER;
type Json = Record<string, unknown>;

/** Ids read from a path or query are whole numbers; times need no pattern beside their format. */
function override({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: Json }) {
  if (zodSchema === Id) {
    for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    Object.assign(jsonSchema, { type: "integer", minimum: 1 });
  }
  if (zodSchema === Timestamp) delete jsonSchema.pattern;
  if (jsonSchema.type === "integer" && jsonSchema.minimum === -SAFE && jsonSchema.maximum === SAFE) {
    delete jsonSchema.minimum;
    delete jsonSchema.maximum;
  }
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Converts the named schemas and every schema an operation uses in one pass per direction (`input` for what a
 * client sends, `output` for what it receives), so shared schemas become `$ref`s.
 */
class Schemas {
  readonly components: Record<string, Json> = {};
  readonly #pending = new Map<z.ZodType, string>();
  readonly #converted = new Map<string, Json>();
  #counter = 0;

  /** A reference to the schema's conversion; `resolve()` inlines it unless it is named. */
  use(schema: z.ZodType, io: "input" | "output"): Json {
    const named = Object.entries(NAMED).find(([, s]) => s === schema)?.[0];
    if (named) return ref(named);
    const id = this.#pending.get(schema) ?? `${io}:${this.#counter++}`;
    this.#pending.set(schema, id);
    return ref(id);
  }

  convert(): void {
    for (const io of ["input", "output"] as const) {
      const registry = z.registry<{ id: string }>();
      for (const [name, schema] of Object.entries(NAMED)) registry.add(schema, { id: name });
      for (const [schema, id] of this.#pending) if (id.startsWith(io)) registry.add(schema, { id });
      const { schemas } = z.toJSONSchema(registry, {
        io,
        unrepresentable: "any",
        uri: (id) => `#/components/schemas/${id}`,
        override,
      });
      for (const [id, json] of Object.entries(schemas)) {
        const { $schema: _, $id: __, ...clean } = json as Json;
        if (id in NAMED) {
          // An input and an output conversion of the same schema would differ only by defaults.
          this.components[id] ??= clean;
        } else this.#converted.set(id, clean);
      }
    }
    for (const [id, json] of Object.entries(this.components))
      this.components[id] = this.resolve(json) as Json;
  }

  /** Inlines every reference to a schema that is not a named component. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (!value || typeof value !== "object") return value;
    const target = String((value as Json).$ref ?? "").replace("#/components/schemas/", "");
    const inline = this.#converted.get(target);
    if (inline) return this.resolve(inline);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }
}

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });

const HEADERS = {
  "X-Request-Id": {
    description: "The request's id (the one sent, or a new one); error bodies carry it too",
    required: true,
    schema: { type: "string" },
  },
  Location: { description: "The created resource's URL", required: true, schema: { type: "string" } },
  ETag: {
    description: "A weak validator of the body; send it back as If-None-Match",
    required: true,
    schema: { type: "string" },
  },
  "Retry-After": {
    description: "Seconds to wait before trying again",
    required: true,
    schema: { type: "integer" },
  },
  "Idempotent-Replayed": {
    description: "`true` when this is the stored response of an earlier request with this Idempotency-Key",
    schema: { type: "string", enum: ["true"] },
  },
};

const REASONS: Record<number, string> = {
  400: "Invalid input",
  401: "Not authenticated",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Body too large",
  415: "Unsupported media type",
  429: "Too many requests",
  500: "Internal error",
  503: "A needed service is unavailable",
};

function security(e: Endpoint) {
  if (e.access === "none") return [];
  if (e.access === "optional") return [{}, { bearer: [] }];
  return [{ bearer: [] }];
}

function parameters(schemas: Schemas, e: Endpoint) {
  const list: Json[] = [];
  const add = (type: z.ZodType | undefined, location: "path" | "query" | "header") => {
    if (!type || !(type instanceof z.ZodObject)) return;
    const required = new Set(
      (z.toJSONSchema(type, { io: "input", unrepresentable: "any" }).required as string[] | undefined) ?? [],
    );
    for (const [name, property] of Object.entries(type.shape as Record<string, z.ZodType>)) {
      list.push({
        name: location === "header" ? headerName(name) : name,
        in: location,
        required: location === "path" || required.has(name),
        schema: schemas.use(property, "input"),
        ...(property.description && { description: property.description }),
      });
    }
  };
  add(e.params, "path");
  add(e.query, "query");
  add(e.headers ?? (isCreating(e) ? IdempotencyHeaders : undefined), "header");
  if (etagged(e)) {
    list.push({
      name: "If-None-Match",
      in: "header",
      required: false,
      description: "An ETag this operation answered before: 304 while the body is unchanged",
      schema: { type: "string" },
    });
  }
  return list;
}

const headerName = (name: string) =>
  name.replace(/(^|-)(\w)/g, (_, dash, letter) => dash + letter.toUpperCase());

const etagged = (e: Endpoint) => e.method === "GET" && e.etag !== false;

function success(schemas: Schemas, e: Endpoint, description: string, headers: Record<string, unknown>) {
  return {
    description,
    headers,
    ...(e.response && { content: { "application/json": { schema: schemas.use(e.response, "output") } } }),
  };
}

function responses(schemas: Schemas, name: string, e: Endpoint) {
  const status = e.status ?? 200;
  const headers: Record<string, unknown> = { "X-Request-Id": header("X-Request-Id") };
  if (status === 201) headers.Location = header("Location");
  if (etagged(e)) headers.ETag = header("ETag");
  if (isCreating(e)) headers["Idempotent-Replayed"] = header("Idempotent-Replayed");
  const out: Record<string, unknown> = {
    [status]: success(schemas, e, e.response ? "Success" : "Success, no content", headers),
  };
  if (name === "adminPoints.grant") {
    out[200] = success(
      schemas,
      e,
      `The Idempotency-Key was applied more than ${IDEMPOTENCY_KEY_TTL_HOURS} h ago: the first entry`,
      { "X-Request-Id": header("X-Request-Id") },
    );
  }
  if (etagged(e)) {
    out[304] = {
      description: "Not modified: the ETag sent in If-None-Match is current",
      headers: { "X-Request-Id": header("X-Request-Id"), ETag: header("ETag") },
    };
  }
  for (const [code, codes] of errorsOf(e)) {
    out[code] = {
      description: REASONS[code] ?? "Error",
      headers: {
        "X-Request-Id": header("X-Request-Id"),
        ...((code === 429 || code === 503) && { "Retry-After": header("Retry-After") }),
      },
      content: {
        "application/json": {
          schema: {
            allOf: [
              ref("Error"),
              {
                type: "object",
                properties: { error: { type: "object", properties: { code: { enum: codes } } } },
              },
            ],
          },
        },
      },
    };
  }
  return out;
}

function operation(schemas: Schemas, name: string, e: Endpoint) {
  const idempotency = isCreating(e)
    ? ` Send an Idempotency-Key to make retries safe: within ${IDEMPOTENCY_KEY_TTL_HOURS} h the same key and ` +
      "body answer the first response again (Idempotent-Replayed: true), another body under it is 409 " +
      "IDEMPOTENCY_KEY_REUSED, and a repeat while the first is still running waits for it (409 " +
      "IDEMPOTENCY_KEY_IN_USE after 5 s)."
    : "";
  return {
    operationId: name,
    summary: e.summary,
    ...(idempotency && { description: `${e.summary}.${idempotency}` }),
    tags: [name.split(".")[0]],
    security: security(e),
    parameters: parameters(schemas, e),
    ...(e.body && {
      requestBody: {
        required: true,
        content: { "application/json": { schema: schemas.use(e.body, "input") } },
      },
    }),
    responses: responses(schemas, name, e),
  };
}

export function endpoints(): Array<[string, Endpoint]> {
  return Object.entries(api).flatMap(([resource, group]) =>
    Object.entries(group as Record<string, Endpoint>).map(([name, e]): [string, Endpoint] => [
      `${resource}.${name}`,
      e,
    ]),
  );
}

/** The OpenAPI path of an endpoint (`/api/v1/boards/{id}`). */
export const openApiPath = (e: Endpoint) => API_BASE_PATH + e.path.replace(/:(\w+)/g, "{$1}");

const realtime = {
  get: {
    operationId: "realtime.connect",
    summary: "The realtime API: STOMP 1.2 over WebSocket",
    description: [
      "Upgrade to a WebSocket with subprotocol `v12.stomp`, then send a STOMP CONNECT frame with",
      "`Authorization: Bearer <accessToken>` (browsers may pass `?token=` instead). A handshake with an `Origin`",
      "must come from ALLOWED_ORIGINS.",
      "",
      `- SUBSCRIBE \`${chatRoomTopic(0).replace("0", "{roomId}")}\` (room members): ChatMessage bodies.`,
      `- SUBSCRIBE \`${NOTIFICATIONS_DESTINATION}\`: your Notification bodies.`,
      `- SEND \`${chatRoomSendDestination(0).replace("0", "{roomId}")}\` with \`{"content": "…"}\`.`,
      "",
      "Failures arrive as ERROR frames whose `code` header is one of the REST error codes.",
    ].join("\n"),
    tags: ["realtime"],
    security: [{}, { bearer: [] }],
    parameters: [
      {
        name: "token",
        in: "query",
        required: false,
        description: "An access token",
        schema: { type: "string" },
      },
      { name: "Upgrade", in: "header", required: true, schema: { type: "string", enum: ["websocket"] } },
      {
        name: "Sec-WebSocket-Protocol",
        in: "header",
        required: false,
        schema: { type: "string", examples: ["v12.stomp"] },
      },
    ],
    responses: {
      101: { description: "Switching protocols: STOMP frames follow" },
      400: { description: "Not a WebSocket handshake" },
      403: { description: "The Origin is not allowed" },
    },
  },
};

export function openApiDocument(version: string) {
  const schemas = new Schemas();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, e] of endpoints()) {
    const path = openApiPath(e);
    paths[path] ??= {};
    paths[path][e.method.toLowerCase()] = operation(schemas, name, e);
  }
  paths[REALTIME_PATH] = realtime;
  schemas.convert();
  return {
    openapi: "3.1.0",
    info: {
      title: "CodeChef API",
      version,
      description:
        "A developer community: boards, comments, points, chat, notifications, search and rankings.",
    },
    servers: [{ url: "/", description: "The server that serves this document" }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: schemas.components,
      headers: HEADERS,
    },
    paths: schemas.resolve(paths) as Record<string, Record<string, unknown>>,
  };
}
