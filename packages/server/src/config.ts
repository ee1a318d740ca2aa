import { z } from "zod";

const Url = (protocols: string[]) =>
  z.string().refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
    message: `must be a URL starting with ${protocols.map((p) => `${p}:`).join(" or ")}`,
  });

const Seconds = z.coerce.number().int().positive();

/** `<count>/<seconds>`, e.g. `10/600`: at most 10 in 600 seconds. */
const Limit = z
  .string()
  .regex(/^[1-9]\d{0,8}\/[1-9]\d{0,7}$/, "must be <count>/<seconds>, e.g. 10/600")
  .transform((value) => {
    const [points, seconds] = value.split("/").map(Number) as [number, number];
    return { points, seconds };
  });

/**
 * `false`, `true` (one proxy hop), a number of trusted hops, or a comma-separated list of proxy addresses (CIDR
 * ranges too): the client is the rightmost `X-Forwarded-For` entry not added by a trusted proxy.
 */
const TrustProxy = z.string().transform((value, ctx): false | number | string[] => {
  const text = value.trim().toLowerCase();
  if (text === "false" || text === "0") return false;
  if (text === "true") return 1;
  if (/^[1-9]\d?$/.test(text)) return Number(text);
  const addresses = text.split(",").map((a) => a.trim());
  if (addresses.every((a) => /^[0-9a-f.:]+(\/\d{1,3})?$/.test(a))) return addresses;
  ctx.addIssue({ code: "custom", message: "must be false, true, a number of hops or a list of addresses" });
  return z.NEVER;
});

const PlanSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  name: z.string().min(1).max(100),
  price: z.number().int().min(1),
  currency: z.string().regex(/^[a-z]{3}$/),
  periodDays: z.number().int().min(1).max(366),
  pointsPerPeriod: z.number().int().min(0),
});

/** The embedded server's plan out of the box. */
const DEFAULT_PLANS: z.output<typeof PlanSchema>[] = [
  { id: "monthly", name: "Monthly", price: 990, currency: "usd", periodDays: 30, pointsPerPeriod: 1000 },
];

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default("0.0.0.0"),
    TRUST_PROXY: TrustProxy.default(false),
    DATA_DIR: z.string().default("./data"),
    DATABASE_URL: Url(["sqlite", "mysql", "mariadb"]).optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    DATABASE_STATEMENT_TIMEOUT: z.coerce.number().min(0.1).max(3600).default(5),
    CACHE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024),
    REDIS_URL: Url(["redis", "rediss"]).optional(),
    REDIS_SENTINELS: z
      .string()
      .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, "must be host:port[,host:port…]")
      .transform((value) =>
        value.split(",").map((entry) => {
          const [host = "", port = ""] = entry.split(":");
          return { host, port: Number(port) };
        }),
      )
      .optional(),
    REDIS_MASTER_NAME: z.string().min(1).optional(),
    REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
    REDIS_PASSWORD: z.string().min(1).optional(),
    REDIS_DB: z.coerce.number().int().min(0).max(15).default(0),
    AMQP_URL: Url(["amqp", "amqps"]).optional(),
    ELASTICSEARCH_URL: Url(["http", "https"]).optional(),
    KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "letters, digits and _.:- only, at most 64")
      .default("codechef"),
    ALLOWED_ORIGINS: z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((origin) => origin.trim())
          .filter(Boolean),
      ),
    REALTIME_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).default(100),
    REALTIME_USER_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).default(20),
    REALTIME_SESSIONS_PER_USER: z.coerce.number().int().min(1).default(10),
    REALTIME_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    ACCESS_TOKEN_TTL: Seconds.default(900),
    REFRESH_TOKEN_TTL: Seconds.default(14 * 24 * 3600),
    ADMIN_EMAIL: z.email().optional(),
    ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    SHUTDOWN_TIMEOUT: Seconds.default(10),
    ADOPTION_POINTS: z.coerce.number().int().min(0).default(50),
    SUGGESTION_POINTS: z.coerce.number().int().min(0).default(20),
    WARNING_THRESHOLD: z.coerce.number().int().min(1).default(3),
    CODECHEF_LAB: z.stringbool().default(false),
    LOGIN_FAILURES_PER_PAIR: Limit.default({ points: 5, seconds: 60 }),
    LOGIN_FAILURES_PER_ACCOUNT: Limit.default({ points: 10, seconds: 3600 }),
    LOGIN_FAILURES_PER_ADDRESS: Limit.default({ points: 50, seconds: 3600 }),
    LOGIN_MAX_DELAY: Seconds.default(300),
    PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).max(10_000).default(32),
    PASSWORD_HASH_QUEUE_PER_ADDRESS: z.coerce.number().int().min(1).max(1000).default(8),
    RATE_LIMITS: z.enum(["on", "off"]).default("on"),
    RATE_LIMIT_BOARDS_PER_USER: Limit.default({ points: 10, seconds: 600 }),
    RATE_LIMIT_BOARDS_PER_ADDRESS: Limit.default({ points: 30, seconds: 600 }),
    RATE_LIMIT_COMMENTS_PER_USER: Limit.default({ points: 20, seconds: 60 }),
    RATE_LIMIT_COMMENTS_PER_ADDRESS: Limit.default({ points: 60, seconds: 60 }),
    RATE_LIMIT_ROOMS_PER_USER: Limit.default({ points: 5, seconds: 600 }),
    RATE_LIMIT_ROOMS_PER_ADDRESS: Limit.default({ points: 20, seconds: 600 }),
    RATE_LIMIT_CHAT_MESSAGES_PER_USER: Limit.default({ points: 60, seconds: 60 }),
    RATE_LIMIT_CHAT_MESSAGES_PER_ADDRESS: Limit.default({ points: 300, seconds: 60 }),
    RATE_LIMIT_SIGNUPS_PER_ADDRESS: Limit.default({ points: 10, seconds: 3600 }),
    NOTIFICATIONS_PER_ACTOR_PER_HOUR: z.coerce.number().int().min(1).default(10),
    S3_ENDPOINT: Url(["http", "https"]).optional(),
    S3_BUCKET: z.string().min(3).max(63).optional(),
    S3_REGION: z.string().default("us-east-1"),
    S3_ACCESS_KEY_ID: z.string().optional(),
    S3_SECRET_ACCESS_KEY: z.string().optional(),
    S3_FORCE_PATH_STYLE: z.stringbool().default(false),
    S3_PUBLIC_URL: Url(["http", "https"]).optional(),
    SUBSCRIPTION_PLANS: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "must be a JSON array of plans" });
          return z.NEVER;
        }
      })
      .pipe(z.array(PlanSchema).min(1))
      .optional(),
    PAYMENT_GATEWAY: z.enum(["sandbox", "stripe"]).default("sandbox"),
    STRIPE_SECRET_KEY: z.string().startsWith("sk_").optional(),
    STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_").optional(),
    REFUND_WINDOW: Seconds.default(14 * 24 * 3600),
    RENEWAL_RETRIES: z.coerce.number().int().min(0).default(3),
    RENEWAL_RETRY_DELAY: Seconds.default(24 * 3600),
    JOB_INTERVAL_MS: z.coerce.number().int().min(0).default(5000),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.REDIS_SENTINELS) !== Boolean(env.REDIS_MASTER_NAME)) {
      ctx.addIssue({
        code: "custom",
        path: ["REDIS_MASTER_NAME"],
        message: "REDIS_SENTINELS and REDIS_MASTER_NAME go together",
      });
    }
    if (env.REDIS_SENTINELS && env.REDIS_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["REDIS_URL"],
        message: "set REDIS_URL or REDIS_SENTINELS, not both",
      });
    }
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        path: ["ADMIN_PASSWORD"],
        message: "ADMIN_EMAIL and ADMIN_PASSWORD go together",
      });
    }
    if (env.S3_ENDPOINT && !env.S3_BUCKET) {
      ctx.addIssue({ code: "custom", path: ["S3_BUCKET"], message: "required with S3_ENDPOINT" });
    }
    if (env.PAYMENT_GATEWAY === "stripe" && !env.STRIPE_SECRET_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message: "required with PAYMENT_GATEWAY=stripe",
      });
    }
  });

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.output<typeof EnvSchema>) {
  const databaseUrl = env.DATABASE_URL ?? `sqlite:${env.DATA_DIR}/codechef.db`;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    trustProxy: env.TRUST_PROXY,
    dataDir: env.DATA_DIR,
    database: {
      url: databaseUrl,
      poolSize: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: Math.round(env.DATABASE_STATEMENT_TIMEOUT * 1000),
    },
    cacheMaxBytes: env.CACHE_MAX_BYTES,
    redisUrl: env.REDIS_URL,
    redisSentinel:
      env.REDIS_SENTINELS && env.REDIS_MASTER_NAME
        ? {
            sentinels: env.REDIS_SENTINELS,
            masterName: env.REDIS_MASTER_NAME,
            sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
            password: env.REDIS_PASSWORD,
            db: env.REDIS_DB,
          }
        : undefined,
    amqpUrl: env.AMQP_URL,
    elasticsearchUrl: env.ELASTICSEARCH_URL,
    keyPrefix: env.KEY_PREFIX,
    allowedOrigins: env.ALLOWED_ORIGINS,
    realtime: {
      messagesPerSecond: env.REALTIME_MESSAGES_PER_SECOND,
      maxBufferedBytes: env.REALTIME_MAX_BUFFERED_BYTES,
      userMessages: { limit: env.REALTIME_USER_MESSAGES_PER_SECOND, windowSeconds: 1 },
      sessionsPerUser: env.REALTIME_SESSIONS_PER_USER,
    },
    jwtSecret: env.JWT_SECRET,
    accessTokenTtl: env.ACCESS_TOKEN_TTL,
    refreshTokenTtl: env.REFRESH_TOKEN_TTL,
    admin:
      env.ADMIN_EMAIL && env.ADMIN_PASSWORD
        ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
        : undefined,
    logLevel: env.LOG_LEVEL,
    shutdownTimeout: env.SHUTDOWN_TIMEOUT,
    adoptionPoints: env.ADOPTION_POINTS,
    suggestionPoints: env.SUGGESTION_POINTS,
    warningThreshold: env.WARNING_THRESHOLD,
    lab: env.CODECHEF_LAB,
    login: {
      perPair: env.LOGIN_FAILURES_PER_PAIR,
      perAccount: env.LOGIN_FAILURES_PER_ACCOUNT,
      perAddress: env.LOGIN_FAILURES_PER_ADDRESS,
      maxDelaySeconds: env.LOGIN_MAX_DELAY,
    },
    passwordHashing: {
      concurrency: env.PASSWORD_HASH_CONCURRENCY,
      queue: env.PASSWORD_HASH_QUEUE,
      queuePerAddress: env.PASSWORD_HASH_QUEUE_PER_ADDRESS,
    },
    writeLimits: {
      enabled: env.RATE_LIMITS === "on",
      boards: { perUser: env.RATE_LIMIT_BOARDS_PER_USER, perAddress: env.RATE_LIMIT_BOARDS_PER_ADDRESS },
      comments: {
        perUser: env.RATE_LIMIT_COMMENTS_PER_USER,
        perAddress: env.RATE_LIMIT_COMMENTS_PER_ADDRESS,
      },
      rooms: { perUser: env.RATE_LIMIT_ROOMS_PER_USER, perAddress: env.RATE_LIMIT_ROOMS_PER_ADDRESS },
      chatMessages: {
        perUser: env.RATE_LIMIT_CHAT_MESSAGES_PER_USER,
        perAddress: env.RATE_LIMIT_CHAT_MESSAGES_PER_ADDRESS,
      },
      signups: { perAddress: env.RATE_LIMIT_SIGNUPS_PER_ADDRESS },
    },
    notificationsPerActorPerHour: env.NOTIFICATIONS_PER_ACTOR_PER_HOUR,
    s3: env.S3_BUCKET
      ? {
          endpoint: env.S3_ENDPOINT,
          bucket: env.S3_BUCKET,
          region: env.S3_REGION,
          accessKeyId: env.S3_ACCESS_KEY_ID,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
          publicUrl: env.S3_PUBLIC_URL,
        }
      : undefined,
    subscriptions: {
      plans: env.SUBSCRIPTION_PLANS ?? DEFAULT_PLANS,
      refundWindowMs: env.REFUND_WINDOW * 1000,
      renewalRetries: env.RENEWAL_RETRIES,
      renewalRetryDelayMs: env.RENEWAL_RETRY_DELAY * 1000,
    },
    payments:
      env.PAYMENT_GATEWAY === "stripe" && env.STRIPE_SECRET_KEY
        ? {
            gateway: "stripe" as const,
            secretKey: env.STRIPE_SECRET_KEY,
            webhookSecret: env.STRIPE_WEBHOOK_SECRET,
          }
        : { gateway: "sandbox" as const },
    jobIntervalMs: env.JOB_INTERVAL_MS,
  };
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/** Reads the environment once; every problem is listed, each naming its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const config = toConfig(parsed.data);
  if (!config.database.url.startsWith("sqlite:") && !config.jwtSecret) {
    throw new ConfigError(["JWT_SECRET: required unless the database is SQLite (at least 32 characters)"]);
  }
  return config;
}
