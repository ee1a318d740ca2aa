import { InvalidArgumentError } from "@commander-js/extra-typings";
import type { Client } from "./api.ts";
import { NotSignedInError } from "./errors.ts";
import { Output } from "./output.ts";
import { CredentialStore, resolveServer, sessionClient } from "./session.ts";

export type GlobalOptions = { server?: string; json?: boolean; color?: boolean };

/** What every command needs: where to print, which server, the stored session. */
export class Context {
  readonly out: Output;
  readonly store = new CredentialStore();
  readonly server: string;
  #client: Client | undefined;

  constructor(options: GlobalOptions) {
    this.out = new Output(options);
    this.server = resolveServer(options.server, this.store);
  }

  /** Loads the SDK and the stored session; the commander hook calls it before any action. */
  async connect(): Promise<void> {
    this.#client ??= await sessionClient(this.server, this.store);
  }

  get client(): Client {
    if (!this.#client) throw new Error("Context.connect() was not awaited");
    return this.#client;
  }

  /** The client, or exit 4 when there is no session for this server. */
  get signedIn(): Client {
    if (!this.client.accessToken) throw new NotSignedInError(`You are not signed in to ${this.server}.`);
    return this.client;
  }
}

let current: Context | undefined;
export const context = (options: GlobalOptions) => {
  current ??= new Context(options);
  return current;
};
export const activeServer = () => current?.server;

export function positiveInt(value: string): number {
  if (!/^[1-9]\d{0,15}$/.test(value)) throw new InvalidArgumentError("must be a positive whole number");
  return Number(value);
}

export function integer(value: string): number {
  if (!/^-?\d{1,10}$/.test(value)) throw new InvalidArgumentError("must be a whole number");
  return Number(value);
}
