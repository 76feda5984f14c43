import type { RecordEntry, RecordOutcome, ResetRequestStore } from "../password-reset/ports.ts";
import { storedText } from "./raw-query.ts";

export interface GroupCommitOptions {
  /** Statements in flight at once; requests that arrive meanwhile wait and go together. */
  maxInFlight?: number;
  /** Requests per statement, at most. */
  maxBatch?: number;
}

interface Waiting {
  entry: RecordEntry;
  at: Date;
  resolve(outcome: RecordOutcome): void;
  reject(error: unknown): void;
}

/** The statement committed but returned nothing for this request: it alone is not answered 200. */
export class MissingOutcomeError extends Error {
  constructor() {
    super("the statement returned no outcome for this request");
    this.name = "MissingOutcomeError";
  }
}

/**
 * Data exceptions and constraint violations: what one request's values can cause. A batch that
 * fails with one of these is retried request by request, so only the culprit fails; anything
 * else (the connection, the server) would fail each of them alike. drizzle wraps the driver's
 * error (`cause`).
 */
export function isCausedByValues(error: unknown): boolean {
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = failure?.code ?? failure?.cause?.code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}

/**
 * Group commit for the public endpoint's recordIfAllowed. While `maxInFlight` statements are
 * running, new requests queue; when one returns, the queue goes as the next statement, so under
 * load many requests share one statement and one commit, and an idle service sends each request
 * at once. Each caller still gets its answer only after its statement has committed. Requests
 * that share a bucket (the same IP) never share a statement: the later one waits for the next,
 * which takes its token exactly as a statement of its own would have.
 */
export function groupCommit(
  store: Pick<ResetRequestStore, "recordAllIfAllowed">,
  { maxInFlight = 4, maxBatch = 100 }: GroupCommitOptions = {},
): ResetRequestStore["recordIfAllowed"] {
  let queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  /** The longest run of waiting requests, oldest first, whose buckets are all distinct. */
  function takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const keys = new Set<string>();
    for (const waiting of queue) {
      // As stored: two keys that PostgreSQL would store alike are one bucket.
      const bucketKeys = waiting.entry.buckets.map((bucket) => storedText(bucket.key));
      if (batch.length < maxBatch && !bucketKeys.some((key) => keys.has(key))) {
        batch.push(waiting);
        for (const key of bucketKeys) keys.add(key);
      } else {
        rest.push(waiting);
      }
    }
    queue = rest;
    return batch;
  }

  async function settle(batch: Waiting[]): Promise<void> {
    const at = new Date(Math.max(...batch.map((waiting) => waiting.at.getTime())));
    try {
      const outcomes = await store.recordAllIfAllowed(
        batch.map((waiting) => waiting.entry),
        at,
      );
      // Each request by its own outcome: one the statement did not answer fails alone.
      batch.forEach((waiting, i) => {
        const outcome = outcomes[i];
        if (outcome) waiting.resolve(outcome);
        else waiting.reject(new MissingOutcomeError());
      });
    } catch (error) {
      if (batch.length === 1 || !isCausedByValues(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      await Promise.all(batch.map((waiting) => settle([waiting])));
    }
  }

  function flush(): void {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = takeBatch();
      inFlight += 1;
      void settle(batch).finally(() => {
        inFlight -= 1;
        schedule();
      });
    }
  }

  /** After this turn of the event loop, so that requests read in the same turn go together. */
  function schedule(): void {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  }

  return (request, buckets, at) =>
    new Promise<RecordOutcome>((resolve, reject) => {
      queue.push({ entry: { request, buckets }, at, resolve, reject });
      schedule();
    });
}
