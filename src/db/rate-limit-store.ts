import { lt } from "drizzle-orm";
import type { Executor } from "./client.ts";
import type { RawQuery } from "./raw-query.ts";
import { rateLimits } from "./schema.ts";

export interface Bucket {
  key: string;
  capacity: number;
  perMinute: number;
}

export interface BucketState extends Bucket {
  allowed: boolean;
  /** Tokens left after this take. */
  tokens: number;
}

export interface RateLimitStore {
  /**
   * Takes one token from each bucket in a single statement (shared by every instance). A bucket
   * with less than one token refuses and keeps what it has.
   */
  take(buckets: Bucket[], at: Date): Promise<BucketState[]>;
  /** Drops buckets idle long enough to be full again anyway. */
  prune(idleSince: Date): Promise<number>;
}

// Refilled level: what the bucket held, plus what flowed in since, capped at capacity.
const REFILLED =
  "least(excluded.capacity, rate_limits.tokens + greatest(0, extract(epoch from (excluded.updated_at - rate_limits.updated_at))) / 60.0 * excluded.per_minute)";

const takeTokensTexts = new Map<number, string>();

/**
 * The token-taking upsert for `count` buckets, as text for RawQuery, so that another statement
 * can embed it (see ResetRequestStore.recordIfAllowed): one round trip for limit and insert. `$1`
 * is the time; each bucket then takes four parameters from `$2` on (takeTokensParameters). Rows
 * come back as PostgreSQL names them; bucketStatesOf reads them.
 */
export function takeTokensText(count: number): string {
  let text = takeTokensTexts.get(count);
  if (text === undefined) {
    const rows = Array.from({ length: count }, (_, i) => {
      const p = 2 + i * 4;
      return `($${p}, $${p + 1}::integer, $${p + 2}::float8, $${p + 3}::float8, true, $1::timestamptz)`;
    });
    text = `insert into rate_limits (key, capacity, per_minute, tokens, allowed, updated_at)
    values ${rows.join(", ")}
    on conflict (key) do update set
      capacity = excluded.capacity,
      per_minute = excluded.per_minute,
      tokens = case when ${REFILLED} >= 1 then ${REFILLED} - 1 else ${REFILLED} end,
      allowed = ${REFILLED} >= 1,
      updated_at = greatest(excluded.updated_at, rate_limits.updated_at)
    returning key, capacity, per_minute, tokens, allowed`;
    takeTokensTexts.set(count, text);
  }
  return text;
}

/** `$1` and the buckets' parameters for takeTokensText (a new bucket starts full, less this take). */
export function takeTokensParameters(buckets: Bucket[], at: Date): unknown[] {
  const parameters: unknown[] = [at.toISOString()];
  for (const bucket of buckets) {
    parameters.push(bucket.key, bucket.capacity, bucket.perMinute, bucket.capacity - 1);
  }
  return parameters;
}

/** A row of takeTokensSql as the driver returns it. */
export interface TakenRow {
  key: string;
  capacity: number | string;
  per_minute: number | string;
  tokens: number | string;
  allowed: boolean;
}

export function bucketStatesOf(rows: TakenRow[]): BucketState[] {
  return rows.map((row) => ({
    key: row.key,
    capacity: Number(row.capacity),
    perMinute: Number(row.per_minute),
    tokens: Number(row.tokens),
    allowed: row.allowed,
  }));
}

export function createDrizzleRateLimitStore(db: Executor, query: RawQuery): RateLimitStore {
  return {
    async take(buckets, at) {
      if (buckets.length === 0) return [];
      const text = takeTokensText(buckets.length);
      return bucketStatesOf(await query<TakenRow>(text, takeTokensParameters(buckets, at)));
    },
    async prune(idleSince) {
      const rows = await db
        .delete(rateLimits)
        .where(lt(rateLimits.updatedAt, idleSince))
        .returning({ key: rateLimits.key });
      return rows.length;
    },
  };
}
