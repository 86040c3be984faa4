/**
 * Gathers the records of grade batches processed at the same time (the worker runs several batches at once,
 * each of WORKER_BATCH_SIZE events) into calls of up to `max` records: a call goes when it is full, or `lingerMs`
 * after its first record. Each caller gets the answers of its own records, in order; a call that fails fails
 * every caller in it.
 */
export interface UpsertBatcher<R, A> {
  send(records: readonly R[]): Promise<A[]>;
}

interface Waiting<R, A> {
  readonly records: readonly R[];
  resolve(answers: A[]): void;
  reject(error: unknown): void;
}

export function createUpsertBatcher<R, A>(options: {
  /** Sends one call of at most `max` records; answers one per record, in order. */
  call: (records: R[]) => Promise<A[]>;
  max: number;
  lingerMs: number;
}): UpsertBatcher<R, A> {
  let pending: Waiting<R, A>[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const waiting = pending;
    pending = [];
    size = 0;
    if (waiting.length === 0) return;
    const records = waiting.flatMap((w) => w.records);
    options.call(records).then(
      (answers) => {
        let at = 0;
        for (const w of waiting) {
          w.resolve(answers.slice(at, at + w.records.length));
          at += w.records.length;
        }
      },
      (error: unknown) => {
        for (const w of waiting) w.reject(error);
      },
    );
  };

  const enqueue = (records: readonly R[]) =>
    new Promise<A[]>((resolve, reject) => {
      pending.push({ records, resolve, reject });
      size += records.length;
      if (size >= options.max) flush();
      else timer ??= setTimeout(flush, options.lingerMs);
    });

  return {
    async send(records) {
      // The records fill the call being gathered, and the rest go in the next ones.
      const parts: Promise<A[]>[] = [];
      for (let at = 0; at < records.length; ) {
        const room = options.max - size;
        parts.push(enqueue(records.slice(at, at + room)));
        at += room;
      }
      return (await Promise.all(parts)).flat();
    },
  };
}
