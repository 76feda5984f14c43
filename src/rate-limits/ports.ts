/* Token buckets shared by every instance (src/db/rate-limit-store.ts keeps them in PostgreSQL). */

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
  /**
   * The tokens the bucket holds at `at` (what it held plus what flowed in since, capped at its
   * capacity) without taking one: a missing bucket is full. For limits charged only on failure.
   */
  peek(bucket: Bucket, at: Date): Promise<number>;
  /**
   * Deletes up to `limit` buckets that are full again at `at` — a missing bucket starts full, so
   * nothing changes for anyone — and returns how many. Buckets being taken are skipped.
   */
  prune(at: Date, limit: number): Promise<number>;
}
