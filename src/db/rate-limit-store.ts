import { lt, sql } from "drizzle-orm";
import type { Executor } from "./client.ts";
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

/**
 * The token-taking upsert, as a builder so that another statement can embed it (see
 * ResetRequestStore.recordIfAllowed): one round trip for limit and insert.
 */
export function takeTokensQuery(db: Executor, buckets: Bucket[], at: Date) {
  // Refilled level: what the bucket held, plus what flowed in since, capped at capacity.
  const refilled = sql`least(excluded.capacity, ${rateLimits.tokens} + greatest(0, extract(epoch from (excluded.updated_at - ${rateLimits.updatedAt}))) / 60.0 * excluded.per_minute)`;
  return db
    .insert(rateLimits)
    .values(
      buckets.map((bucket) => ({
        ...bucket,
        tokens: bucket.capacity - 1,
        allowed: true,
        updatedAt: at,
      })),
    )
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        capacity: sql`excluded.capacity`,
        perMinute: sql`excluded.per_minute`,
        tokens: sql`case when ${refilled} >= 1 then ${refilled} - 1 else ${refilled} end`,
        allowed: sql`${refilled} >= 1`,
        updatedAt: sql`greatest(excluded.updated_at, ${rateLimits.updatedAt})`,
      },
    })
    .returning({
      key: rateLimits.key,
      capacity: rateLimits.capacity,
      perMinute: rateLimits.perMinute,
      tokens: rateLimits.tokens,
      allowed: rateLimits.allowed,
    });
}

export function createDrizzleRateLimitStore(db: Executor): RateLimitStore {
  return {
    async take(buckets, at) {
      if (buckets.length === 0) return [];
      return takeTokensQuery(db, buckets, at);
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
