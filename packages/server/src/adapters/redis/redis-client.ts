import { Redis } from "ioredis";

/**
 * One connection for every Redis adapter. It fails fast instead of queueing while Redis is down (the offline
 * queue is unbounded), and never resends an in-flight command after a reconnect, which could apply a write twice.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1500,
    connectTimeout: 1500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // A down Redis is reported by /ready and by the calls that need it; the event itself is not fatal.
  redis.on("error", () => {});
  return redis;
}

export async function pingRedis(redis: Redis): Promise<void> {
  if (redis.status !== "ready") throw new Error(`redis is ${redis.status}`);
  await redis.ping();
}

/** Resolves once the connection is ready (commands fail fast before that), or rejects after `timeoutMs`. */
export function redisReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", ready);
      reject(new Error(`redis is ${redis.status} after ${timeoutMs} ms`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", ready);
  });
}
