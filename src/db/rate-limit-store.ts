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

export function createDrizzleRateLimitStore(db: Executor): RateLimitStore {
  return {
    async take(buckets, at) {
      if (buckets.length === 0) return [];
      // Refilled level: what the bucket held, plus what flowed in since, capped at capacity.
      const refilled = sql`least(excluded.capacity, ${rateLimits.tokens} + greatest(0, extract(epoch from (excluded.updated_at - ${rateLimits.updatedAt}))) / 60.0 * excluded.per_minute)`;
      const rows = await db
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
        .returning();
      return rows.map(({ key, capacity, perMinute, tokens, allowed }) => ({
        key,
        capacity,
        perMinute,
        tokens,
        allowed,
      }));
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
