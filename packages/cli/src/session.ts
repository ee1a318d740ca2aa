import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { type Client, createClient, type Fetch, REFRESH_PATH, type Session } from "./api.ts";
import { progressFetch } from "./upload.ts";

export const DEFAULT_SERVER = "http://localhost:8080";

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  user: { id: number; nickname: string; email: string; role: string };
}

interface Hosts {
  defaultServer?: string;
  hosts: Record<string, StoredSession>;
}

export function configDir(env = process.env): string {
  if (env.CODECHEF_CONFIG_DIR) return env.CODECHEF_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "codechef");
}

export class CredentialsLockError extends Error {}

/** The credentials of every server, in one file (0600) in the config directory (0700). */
export class CredentialStore {
  readonly file: string;
  readonly #dir: string;

  constructor(dir = configDir()) {
    this.#dir = dir;
    this.file = join(dir, "hosts.json");
  }

  read(): Hosts {
    try {
      return JSON.parse(readFileSync(this.file, "utf8")) as Hosts;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { hosts: {} };
      throw error;
    }
  }

  get(server: string): StoredSession | undefined {
    return this.read().hosts[server];
  }

  /** Rewrites the file through a temporary file and a rename, so a reader never sees half of it. */
  write(hosts: Hosts): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(hosts, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }

  /** Reads, changes and writes the file under the lock, so concurrent processes never lose each other's change. */
  async update<T>(change: (hosts: Hosts) => Promise<T> | T): Promise<T> {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const { default: lockfile } = await import("proper-lockfile");
    const release = await lockfile
      .lock(this.#dir, {
        lockfilePath: `${this.file}.lock`,
        realpath: false,
        stale: 10_000,
        retries: { retries: 100, minTimeout: 20, maxTimeout: 200 },
      })
      .catch((cause: Error) => {
        throw new CredentialsLockError(`cannot lock ${this.file}: ${cause.message}`);
      });
    try {
      const hosts = this.read();
      const result = await change(hosts);
      this.write(hosts);
      return result;
    } finally {
      await release();
    }
  }

  save(server: string, session: Session, makeDefault = true): Promise<void> {
    return this.update((hosts) => {
      hosts.hosts[server] = toStored(session);
      if (makeDefault) hosts.defaultServer = server;
    });
  }

  remove(server: string): Promise<void> {
    return this.update((hosts) => {
      delete hosts.hosts[server];
    });
  }
}

const toStored = ({ accessToken, refreshToken, user }: Session): StoredSession => ({
  accessToken,
  refreshToken,
  user: { id: user.id, nickname: user.nickname, email: user.email, role: user.role },
});

/** `--server`, else `CODECHEF_SERVER`, else the server of the last login, else localhost. */
export function resolveServer(flag: string | undefined, store: CredentialStore, env = process.env): string {
  const server = flag ?? env.CODECHEF_SERVER ?? store.read().defaultServer ?? DEFAULT_SERVER;
  return server.replace(/\/+$/, "");
}

/**
 * A client for `server` with the stored session (or `CODECHEF_TOKEN`). Refresh tokens rotate and a reused one
 * revokes the whole family, so a refresh happens under the store's lock: a process that finds the stored token
 * already rotated by another takes the stored session instead of spending its stale token.
 */
export function sessionClient(server: string, store: CredentialStore, env = process.env): Promise<Client> {
  if (env.CODECHEF_TOKEN) return createClient(server, env.CODECHEF_TOKEN, undefined, progressFetch);
  const stored = store.get(server);
  return createClient(server, stored?.accessToken, stored?.refreshToken, lockedRefresh(server, store));
}

function lockedRefresh(server: string, store: CredentialStore): Fetch {
  return async (input, init) => {
    if (init.method !== "POST" || !new URL(input).pathname.endsWith(REFRESH_PATH))
      return progressFetch(input, init);
    const { refreshToken } = JSON.parse(String(init.body)) as { refreshToken: string };
    return store.update(async (hosts) => {
      const current = hosts.hosts[server];
      if (current && current.refreshToken !== refreshToken && !expired(current.accessToken)) {
        return Response.json({ ...current, expiresIn: Math.floor(secondsLeft(current.accessToken)) });
      }
      const body = JSON.stringify({ refreshToken: current?.refreshToken ?? refreshToken });
      const response = await fetch(input, { ...init, body });
      if (response.ok) {
        hosts.hosts[server] = toStored((await response.clone().json()) as Session);
      } else if (response.status === 401) {
        delete hosts.hosts[server];
      }
      return response;
    });
  };
}

function secondsLeft(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
      exp?: number;
    };
    return (payload.exp ?? 0) - Date.now() / 1000;
  } catch {
    return 0;
  }
}

const expired = (token: string) => secondsLeft(token) < 5;
