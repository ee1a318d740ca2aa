interface Waiting<Input, Output> {
  input: Input;
  resolve: (output: Output) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit per key: work for a key arriving while that key's batch runs waits for it, then runs with all
 * the work that queued meanwhile as the next batch. A lone request runs at once, so nothing waits on a timer;
 * under contention one transaction carries many requests instead of each queueing on the same row lock.
 * `run` answers each input's output in order, or an Error for an input that failed on its own.
 */
export class KeyedBatches<Key, Input, Output> {
  readonly #run: (key: Key, inputs: Input[]) => Promise<Array<Output | Error>>;
  readonly #maxSize: number;
  readonly #waiting = new Map<Key, Waiting<Input, Output>[]>();

  constructor(run: (key: Key, inputs: Input[]) => Promise<Array<Output | Error>>, maxSize = 200) {
    this.#run = run;
    this.#maxSize = maxSize;
  }

  submit(key: Key, input: Input): Promise<Output> {
    return new Promise((resolve, reject) => {
      const queue = this.#waiting.get(key);
      if (queue) {
        queue.push({ input, resolve, reject });
        return;
      }
      this.#waiting.set(key, [{ input, resolve, reject }]);
      void this.#drain(key);
    });
  }

  /** Runs the key's queue a batch at a time until it is empty; the queue's presence marks the key as running. */
  async #drain(key: Key): Promise<void> {
    const queue = this.#waiting.get(key) as Waiting<Input, Output>[];
    while (queue.length > 0) {
      const batch = queue.splice(0, this.#maxSize);
      try {
        const outputs = await this.#run(
          key,
          batch.map((waiting) => waiting.input),
        );
        batch.forEach((waiting, i) => {
          const output = outputs[i] as Output | Error;
          if (output instanceof Error) waiting.reject(output);
          else waiting.resolve(output);
        });
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.#waiting.delete(key);
  }
}

/**
 * Identical reads share one load: a read arriving while its key's load runs waits for the next one, which serves
 * every read that queued meanwhile. Each answer is thus loaded after its read arrived, as fresh as a load of its
 * own, while a hot key costs one load per round trip instead of one per read. The value is frozen, deeply: the
 * readers share it, so none can change it under another (and a frozen answer is serialized once, see `mount`).
 */
export class SharedReads<Value> {
  readonly #batches = new KeyedBatches<string, () => Promise<Value>, Value>(async (_, loads) => {
    const value = deepFreeze(await (loads[0] as () => Promise<Value>)());
    return loads.map(() => value);
  });

  read(key: string, load: () => Promise<Value>): Promise<Value> {
    return this.#batches.submit(key, load);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
}
