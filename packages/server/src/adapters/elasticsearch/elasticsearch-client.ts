import { Client, type ClientOptions, type estypes } from "@elastic/elasticsearch";

/** Settings and mappings of an index we create. */
export type IndexDefinition = Omit<estypes.IndicesCreateRequest, "index">;

export function connectElasticsearch(url: string, options: Partial<ClientOptions> = {}): Client {
  return new Client({ node: url, requestTimeout: 5000, maxRetries: 1, ...options });
}

/** An index name from the deployment's key prefix: Elasticsearch allows lower-case letters, digits, `-_.` only. */
export function indexName(keyPrefix: string, suffix: string): string {
  return `${keyPrefix.toLowerCase().replace(/[^a-z0-9_.-]/g, "-")}-${suffix}`.replace(/^[-_.+]+/, "");
}

/** Creates an index once per process; a failure is retried on the next call. */
export function indexCreator(
  client: Client,
  index: string,
  definition: IndexDefinition,
): () => Promise<void> {
  let created: Promise<void> | undefined;
  const create = async () => {
    if (await client.indices.exists({ index })) return;
    try {
      await client.indices.create({ index, ...definition });
    } catch (error) {
      const type = (error as { body?: { error?: { type?: string } } }).body?.error?.type;
      if (type !== "resource_already_exists_exception") throw error;
    }
  };
  return () => {
    created ??= create().catch((error: unknown) => {
      created = undefined;
      throw error;
    });
    return created;
  };
}

export async function pingElasticsearch(client: Client): Promise<void> {
  if (!(await client.ping())) throw new Error("Elasticsearch did not answer the ping");
}
