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

export async function pingRedis(redis: Redis): Promise<void> {
  if (redis.status !== "ready") throw new Error(`redis is ${redis.status}`);
  await redis.ping();
}
