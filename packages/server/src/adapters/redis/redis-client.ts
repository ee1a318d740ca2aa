import { Redis, type RedisOptions } from "ioredis";
import { ServiceUnavailableError } from "../../shared/errors.ts";

/** A master found through Redis Sentinel. */
export interface SentinelTarget {
  sentinels: { host: string; port: number }[];
  masterName: string;
  sentinelPassword?: string | undefined;
  password?: string | undefined;
  db: number;
}

/**
 * One connection for every Redis adapter. It fails fast instead of queueing while Redis is down (the offline
 * queue is unbounded), and never resends an in-flight command after a reconnect, which could apply a write twice.
 * Through Sentinel it follows the master: the failover detector reconnects as soon as a sentinel announces a
 * new one, and a write refused by a demoted master (READONLY) drops the connection so it asks again.
 */
export function connectRedis(target: string | SentinelTarget): Redis {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    // Commands issued in one turn of the event loop go out in one write, not one socket write each.
    enableAutoPipelining: true,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  };
  const redis =
    typeof target === "string"
      ? new Redis(target, options)
      : new Redis({
          ...options,
          sentinels: target.sentinels,
          name: target.masterName,
          sentinelPassword: target.sentinelPassword,
          password: target.password,
          db: target.db,
          failoverDetector: true,
          sentinelRetryStrategy: (attempt) => Math.min(attempt * 200, 2000),
          reconnectOnError: (error) => error.message.startsWith("READONLY"),
        });
  // A down Redis is reported by /ready and by the calls that need it; the event itself is not fatal.
  redis.on("error", () => {});
  return redis;
}

/** Waits up to `timeoutMs` for the first connection; a server then starts ready, or degraded but not stuck. */
export async function redisConnected(redis: Redis, timeoutMs = 2000): Promise<boolean> {
  if (redis.status === "ready") return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once("ready", onReady);
  });
}

const ANSWER_TIMEOUT_MS = 1000;

/**
 * Runs one command with a deadline. A Redis that accepts connections but stops answering would otherwise cost
 * every request a full timeout; on the first miss the connection is dropped, so the calls that follow fail at
 * once (no offline queue) until Redis answers again.
 */
export async function guarded<T>(redis: Redis, command: Promise<T>): Promise<T> {
  command.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      redis.disconnect(true);
      reject(new Error(`redis did not answer within ${ANSWER_TIMEOUT_MS} ms`));
    }, ANSWER_TIMEOUT_MS);
  });
  try {
    return await Promise.race([command, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A command the caller cannot do without: a failure is the 503 it answers. */
export async function required<T>(redis: Redis, command: () => Promise<T>): Promise<T> {
  try {
    return await guarded(redis, command());
  } catch (error) {
    throw new ServiceUnavailableError("redis", (error as Error).message);
  }
}

export async function pingRedis(redis: Redis): Promise<void> {
  if (redis.status !== "ready") throw new Error(`redis is ${redis.status}`);
  await redis.ping();
}
