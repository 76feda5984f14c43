export interface CoalesceOptions<K> {
  /** Calls of `many` in flight at once; calls made meanwhile wait and go together. */
  maxInFlight?: number;
  /** Keys per call of `many`, at most. */
  maxBatch?: number;
  /**
   * Calls whose keys give the same value are answered once, by one key in the batch (lookups of
   * the same id). Without it every call is its own key.
   */
  dedupeBy?: (key: K) => unknown;
  /**
   * Calls whose keys share a value of this list never share a batch: the later one waits for the
   * next, and sees what the earlier one did (two tickets for one user: the second revokes the
   * first; two requests that take one rate-limit bucket).
   */
  apartBy?: (key: K) => readonly unknown[];
  /**
   * Whether a failed batch is tried again call by call; by default always. A failure no key's
   * value can cause (a lost connection) would fail each alone too.
   */
  retryAlone?: (error: unknown) => boolean;
}

interface Waiting<K, V> {
  key: K;
  resolve(value: V): void;
  reject(error: unknown): void;
}

/**
 * Turns a set-based operation (`many`: one statement for many keys, its results in the keys'
 * order) into a one-key function whose concurrent calls share it. Calls made in the same turn of
 * the event loop, or while `maxInFlight` batches are running, go as the next batch; a lone call
 * goes at once. When a batch fails, each of its calls is tried alone (see `retryAlone`), so one
 * key's bad value fails only its own caller. Callers of one key get the same value: they must not change it.
 */
export function coalesce<K, V>(
  many: (keys: K[]) => Promise<V[]>,
  {
    maxInFlight = 1,
    maxBatch = 200,
    dedupeBy,
    apartBy,
    retryAlone = () => true,
  }: CoalesceOptions<K> = {},
): (key: K) => Promise<V> {
  let queue: Waiting<K, V>[] = [];
  let inFlight = 0;
  let scheduled = false;

  function takeBatch(): Waiting<K, V>[][] {
    const groups: Waiting<K, V>[][] = [];
    const byKey = new Map<unknown, Waiting<K, V>[]>();
    const apart = new Set<unknown>();
    const rest: Waiting<K, V>[] = [];
    for (const waiting of queue) {
      const same = dedupeBy ? byKey.get(dedupeBy(waiting.key)) : undefined;
      if (same) {
        same.push(waiting);
        continue;
      }
      const conflicts = apartBy?.(waiting.key) ?? [];
      if (groups.length >= maxBatch || conflicts.some((value) => apart.has(value))) {
        rest.push(waiting);
        continue;
      }
      const group = [waiting];
      groups.push(group);
      if (dedupeBy) byKey.set(dedupeBy(waiting.key), group);
      for (const value of conflicts) apart.add(value);
    }
    queue = rest;
    return groups;
  }

  async function settle(groups: Waiting<K, V>[][]): Promise<void> {
    let values: V[];
    try {
      values = await many(groups.map((group) => (group[0] as Waiting<K, V>).key));
    } catch (error) {
      if (groups.length === 1 || !retryAlone(error)) {
        for (const waiting of groups.flat()) waiting.reject(error);
        return;
      }
      await Promise.all(groups.map((group) => settle([group])));
      return;
    }
    // `many` did its work but answered wrongly: no caller can tell which result is its own, and
    // trying again could do a write twice. Each fails.
    const answer =
      values.length === groups.length
        ? undefined
        : new Error(`expected ${groups.length} results, got ${values.length}`);
    groups.forEach((group, i) => {
      for (const waiting of group) {
        if (answer) waiting.reject(answer);
        else waiting.resolve(values[i] as V);
      }
    });
  }

  function flush(): void {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const groups = takeBatch();
      inFlight += 1;
      void settle(groups).finally(() => {
        inFlight -= 1;
        schedule();
      });
    }
  }

  function schedule(): void {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  }

  return (key) =>
    new Promise<V>((resolve, reject) => {
      queue.push({ key, resolve, reject });
      schedule();
    });
}
