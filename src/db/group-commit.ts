import { coalesce } from "../jobs/coalesce.ts";
import type { RecordEntry, ResetRequestStore } from "../password-reset/ports.ts";
import { storedText } from "./raw-query.ts";

export interface GroupCommitOptions {
  /** Statements in flight at once; requests that arrive meanwhile wait and go together. */
  maxInFlight?: number;
  /** Requests per statement, at most. */
  maxBatch?: number;
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
 * at once (see coalesce). Each caller still gets its answer only after its statement has
 * committed. Requests that share a bucket (the same IP) never share a statement: the later one
 * waits for the next, which takes its token exactly as a statement of its own would have. A
 * statement refused for one request's values is retried request by request.
 */
export function groupCommit(
  store: Pick<ResetRequestStore, "recordAllIfAllowed">,
  { maxInFlight = 4, maxBatch = 100 }: GroupCommitOptions = {},
): ResetRequestStore["recordIfAllowed"] {
  const record = coalesce(
    (waiting: Array<{ entry: RecordEntry; at: Date }>) =>
      store.recordAllIfAllowed(
        waiting.map(({ entry }) => entry),
        new Date(Math.max(...waiting.map(({ at }) => at.getTime()))),
      ),
    {
      maxInFlight,
      maxBatch,
      // As stored: two keys that PostgreSQL would store alike are one bucket.
      apartBy: ({ entry }) => entry.buckets.map((bucket) => storedText(bucket.key)),
      retryAlone: isCausedByValues,
    },
  );
  return async (request, buckets, at) => {
    // Each request by its own outcome: one the statement did not answer fails alone.
    const outcome = await record({ entry: { request, buckets }, at });
    if (!outcome) throw new MissingOutcomeError();
    return outcome;
  };
}
