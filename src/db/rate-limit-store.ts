import type { Bucket, BucketState, RateLimitStore } from "../rate-limits/ports.ts";
import { jsonParameter, type RawQuery, storedText } from "./raw-query.ts";

// Refilled level: what the bucket held, plus what flowed in since, capped at capacity.
const REFILLED =
  "least(excluded.capacity, rate_limits.tokens + greatest(0, extract(epoch from (excluded.updated_at - rate_limits.updated_at))) / 60.0 * excluded.per_minute)";

/**
 * Takes one token at `$1` from each bucket of `$2`: a jsonb array made by bucketsParameter, keys
 * distinct. Rows are locked in key order, so statements that take overlapping buckets (several
 * instances, or batches of requests) wait for each other instead of deadlocking. Other
 * statements embed this text (see ResetRequestStore.recordAllIfAllowed): one round trip for
 * limit and insert. Rows come back as PostgreSQL names them; bucketStatesOf reads them.
 */
export const TAKE_TOKENS = `insert into rate_limits (key, capacity, per_minute, tokens, allowed, updated_at)
  select key, capacity, per_minute, tokens, true, $1::timestamptz
  from jsonb_to_recordset($2::jsonb) as bucket (key text, capacity integer, per_minute float8, tokens float8)
  order by key
  on conflict (key) do update set
    capacity = excluded.capacity,
    per_minute = excluded.per_minute,
    tokens = case when ${REFILLED} >= 1 then ${REFILLED} - 1 else ${REFILLED} end,
    allowed = ${REFILLED} >= 1,
    updated_at = greatest(excluded.updated_at, rate_limits.updated_at)
  returning key, capacity, per_minute, tokens, allowed`;

/**
 * Buckets full again at `$1` (what they held plus what flowed in since reaches capacity), at most
 * `$2` of them, oldest first. The index on updated_at finds the candidates: no bucket refills in
 * less than a second.
 */
const PRUNE_FULL = `delete from rate_limits where key in (
    select key from rate_limits
    where updated_at < $1::timestamptz - interval '1 second'
      and tokens + extract(epoch from ($1::timestamptz - updated_at)) / 60.0 * per_minute >= capacity
    order by updated_at
    limit $2
    for update skip locked)
  returning key`;

/** What bucket `$1` holds at `$2`, refilled at `$3` a minute up to `$4`. */
const PEEK = `select least($4::float8, tokens + greatest(0, extract(epoch from ($2::timestamptz - updated_at))) / 60.0 * $3::float8) as tokens
  from rate_limits where key = $1`;

/** `$2` of TAKE_TOKENS: the buckets as one JSON text (a new bucket starts full, less this take). */
export function bucketsParameter(buckets: Bucket[]): string {
  const keys = new Set(buckets.map((bucket) => storedText(bucket.key)));
  if (keys.size !== buckets.length)
    throw new RangeError("a bucket may be taken once per statement");
  return jsonParameter(
    buckets.map(({ key, capacity, perMinute }) => ({
      key,
      capacity,
      per_minute: perMinute,
      tokens: capacity - 1,
    })),
  );
}

/** A row of TAKE_TOKENS as the driver returns it. */
export interface TakenRow {
  key: string;
  capacity: number | string;
  per_minute: number | string;
  tokens: number | string;
  allowed: boolean;
}

/**
 * The states of `buckets`, in their order, from TAKE_TOKENS rows (which come in key order); an
 * entry is undefined when no row came back for its key.
 */
export function bucketStatesOf(
  buckets: Bucket[],
  rows: TakenRow[],
): Array<BucketState | undefined> {
  const byKey = new Map(rows.map((row) => [row.key, row]));
  return buckets.map(({ key }) => {
    const row = byKey.get(storedText(key));
    return (
      row && {
        key,
        capacity: Number(row.capacity),
        perMinute: Number(row.per_minute),
        tokens: Number(row.tokens),
        allowed: row.allowed,
      }
    );
  });
}

export function createDrizzleRateLimitStore(query: RawQuery): RateLimitStore {
  return {
    async take(buckets, at) {
      if (buckets.length === 0) return [];
      const rows = await query<TakenRow>(TAKE_TOKENS, [
        at.toISOString(),
        bucketsParameter(buckets),
      ]);
      return bucketStatesOf(buckets, rows).map((state, i) => {
        if (!state) throw new Error(`no state returned for bucket ${buckets[i]?.key}`);
        return state;
      });
    },
    async peek({ key, capacity, perMinute }, at) {
      const [row] = await query<{ tokens: number | string }>(PEEK, [
        key,
        at.toISOString(),
        perMinute,
        capacity,
      ]);
      return row ? Number(row.tokens) : capacity;
    },
    async prune(at, limit) {
      const rows = await query<{ key: string }>(PRUNE_FULL, [at.toISOString(), limit]);
      return rows.length;
    },
  };
}
