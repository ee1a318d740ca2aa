import { z } from "zod";

const Url = (protocols: string[]) =>
  z.string().refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
    message: `must be a URL starting with ${protocols.map((p) => `${p}:`).join(" or ")}`,
  });

const Seconds = z.coerce.number().int().positive();

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default("0.0.0.0"),
    TRUST_PROXY: z.stringbool().default(false),
    DATA_DIR: z.string().default("./data"),
    DATABASE_URL: Url(["sqlite", "mysql", "mariadb"]).optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    REDIS_URL: Url(["redis", "rediss"]).optional(),
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
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        path: ["ADMIN_PASSWORD"],
        message: "ADMIN_EMAIL and ADMIN_PASSWORD go together",
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
    database: { url: databaseUrl, poolSize: env.DATABASE_POOL_SIZE },
    redisUrl: env.REDIS_URL,
    amqpUrl: env.AMQP_URL,
    elasticsearchUrl: env.ELASTICSEARCH_URL,
    keyPrefix: env.KEY_PREFIX,
    allowedOrigins: env.ALLOWED_ORIGINS,
    realtime: {
      messagesPerSecond: env.REALTIME_MESSAGES_PER_SECOND,
      maxBufferedBytes: env.REALTIME_MAX_BUFFERED_BYTES,
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
