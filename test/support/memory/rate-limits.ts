import type { Bucket, BucketState, RateLimitStore } from "../../../src/rate-limits/ports.ts";
import type { MemoryDatabase } from "./database.ts";

/**
 * Takes one token from each bucket, as src/db/rate-limit-store.ts's TAKE_TOKENS does: a new
 * bucket starts full less this take; an old one refills at `perMinute` up to the capacity given
 * now, and refuses (keeping what it has) below one token.
 */
export function takeTokens(database: MemoryDatabase, buckets: Bucket[], at: Date): BucketState[] {
  if (new Set(buckets.map((bucket) => bucket.key)).size !== buckets.length)
    throw new RangeError("a bucket may be taken once per statement");
  return buckets.map(({ key, capacity, perMinute }) => {
    const row = database.tables.rateLimits.get(key);
    if (!row) {
      database.tables.rateLimits.set(key, {
        capacity,
        perMinute,
        tokens: capacity - 1,
        updatedAt: at,
      });
      return { key, capacity, perMinute, tokens: capacity - 1, allowed: true };
    }
    const elapsedSeconds = Math.max(0, (at.getTime() - row.updatedAt.getTime()) / 1000);
    const refilled = Math.min(capacity, row.tokens + (elapsedSeconds / 60) * perMinute);
    const allowed = refilled >= 1;
    const tokens = allowed ? refilled - 1 : refilled;
    database.tables.rateLimits.set(key, {
      capacity,
      perMinute,
      tokens,
      updatedAt: at > row.updatedAt ? at : row.updatedAt,
    });
    return { key, capacity, perMinute, tokens, allowed };
  });
}

/** RateLimitStore over a map, with src/db/rate-limit-store.ts's semantics. */
export function createMemoryRateLimitStore(database: MemoryDatabase): RateLimitStore {
  return {
    async take(buckets, at) {
      return takeTokens(database, buckets, at);
    },
    async peek({ key, capacity, perMinute }, at) {
      const row = database.tables.rateLimits.get(key);
      if (!row) return capacity;
      const elapsedSeconds = Math.max(0, (at.getTime() - row.updatedAt.getTime()) / 1000);
      return Math.min(capacity, row.tokens + (elapsedSeconds / 60) * perMinute);
    },
    async prune(at, limit) {
      const full = [...database.tables.rateLimits.entries()]
        .filter(([, row]) => {
          const elapsedSeconds = (at.getTime() - row.updatedAt.getTime()) / 1000;
          return (
            elapsedSeconds > 1 && row.tokens + (elapsedSeconds / 60) * row.perMinute >= row.capacity
          );
        })
        .sort(([, a], [, b]) => a.updatedAt.getTime() - b.updatedAt.getTime())
        .slice(0, limit);
      for (const [key] of full) database.tables.rateLimits.delete(key);
      return full.length;
    },
  };
}
