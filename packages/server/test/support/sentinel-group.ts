import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/**
 * A private Redis Sentinel group started from the machine's `redis-server`: one master, one replica and three
 * sentinels on free ports, stopped by PID. The shared Redis on 6379 is never touched.
 */
export interface SentinelGroup {
  masterName: string;
  sentinels: { host: string; port: number }[];
  /** `REDIS_SENTINELS` for this group. */
  env: string;
  /** The port of the current master, as the sentinels see it. */
  masterPort(): Promise<number>;
  /** `SENTINEL FAILOVER` once the replica is in sync, then waits until the sentinels name the other node. */
  failover(): Promise<number>;
  /** `kill -9` of the current master once the replica is in sync, then waits until the sentinels promote it. */
  killMaster(): Promise<number>;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A one-off connection that gives up at once instead of retrying. */
function probe(port: number, options: { lazyConnect?: boolean } = {}): Redis {
  const client = new Redis({
    host: HOST,
    port,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...options,
  });
  client.on("error", () => {});
  return client;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`sentinel group: ${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), "codechef-sentinel-"));
  const masterName = "codechef-test";
  const processes = new Map<number, ChildProcess>();
  const start = (port: number, args: string[]) => {
    const child = spawn("redis-server", args, { stdio: "ignore" });
    processes.set(port, child);
  };
  const ping = (port: number) => async () => {
    const client = probe(port, { lazyConnect: true });
    try {
      await client.connect();
      return (await client.ping()) === "PONG" ? true : undefined;
    } finally {
      client.disconnect();
    }
  };

  const [master, replica] = [await freePort(), await freePort()];
  const common = ["--bind", HOST, "--save", "", "--appendonly", "no", "--dir", dir];
  start(master, ["--port", String(master), ...common]);
  start(replica, ["--port", String(replica), ...common, "--replicaof", HOST, String(master)]);
  await until("master start", ping(master));
  await until("replica start", ping(replica));

  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  for (const port of sentinelPorts) {
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        `bind ${HOST}`,
        `dir ${dir}`,
        `sentinel monitor ${masterName} ${HOST} ${master} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
      ].join("\n"),
    );
    start(port, [file, "--sentinel"]);
  }
  for (const port of sentinelPorts) await until(`sentinel ${port} start`, ping(port));

  const ask = async (port: number, ...args: string[]) => {
    const client = probe(port);
    try {
      return await client.call("SENTINEL", ...args);
    } finally {
      client.disconnect();
    }
  };
  const masterPort = async () => {
    for (const port of sentinelPorts) {
      const answer = (await ask(port, "get-master-addr-by-name", masterName).catch(() => null)) as
        | string[]
        | null;
      if (answer?.[1]) return Number(answer[1]);
    }
    throw new Error("no sentinel names a master");
  };
  const replicaReady = async (port: number) => {
    const client = probe(port);
    try {
      const info = await client.info("replication");
      return /master_link_status:up/.test(info) ? true : undefined;
    } finally {
      client.disconnect();
    }
  };
  // The sentinels must know the replica before they can fail over to it.
  await until("replica sync", () => replicaReady(replica));
  await until("replica discovery", async () => {
    const replicas = (await ask(sentinelPorts[0] ?? 0, "replicas", masterName)) as unknown[];
    return replicas.length > 0 ? true : undefined;
  });
  await until("sentinels agree", async () => {
    const known = (await ask(sentinelPorts[0] ?? 0, "sentinels", masterName)) as unknown[];
    return known.length >= 2 ? true : undefined;
  });

  /**
   * Waits until the node that is not the master is its replica, in sync, and seen healthy by the sentinels: a
   * fault before that (right after a failover, while the old master resyncs) has no replica to promote.
   */
  const settled = async () => {
    const current = await masterPort();
    const other = current === master ? replica : master;
    await until("replica in sync", () => replicaReady(other));
    await until("replica healthy for the sentinels", async () => {
      const replicas = (await ask(sentinelPorts[0] ?? 0, "replicas", masterName)) as string[][];
      const entry = replicas.find((fields) => fields[fields.indexOf("port") + 1] === String(other));
      return entry && entry[entry.indexOf("flags") + 1] === "slave" ? true : undefined;
    });
  };

  const newMaster = async (old: number) =>
    until("promotion", async () => {
      const port = await masterPort();
      if (port === old) return undefined;
      return (await ping(port)()) ? port : undefined;
    });

  return {
    masterName,
    sentinels: sentinelPorts.map((port) => ({ host: HOST, port })),
    env: sentinelPorts.map((port) => `${HOST}:${port}`).join(","),
    masterPort,
    async failover() {
      await settled();
      const old = await masterPort();
      await ask(sentinelPorts[0] ?? 0, "failover", masterName);
      return newMaster(old);
    },
    async killMaster() {
      await settled();
      const old = await masterPort();
      processes.get(old)?.kill("SIGKILL");
      return newMaster(old);
    },
    async stop() {
      for (const child of processes.values()) child.kill("SIGKILL");
      await Promise.all(
        [...processes.values()].map(
          (child) =>
            new Promise((resolve) =>
              child.exitCode !== null || child.signalCode !== null
                ? resolve(null)
                : child.once("exit", resolve),
            ),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
