import type { PasswordHasher } from "./hasher.ts";

export interface HasherBounds {
  /** Operations (hash or verify) running at once, across every caller of this hasher. */
  maxInFlight: number;
  /** Operations waiting for a place; one more is refused at once. */
  maxQueued: number;
  /** How long one operation may wait for a place before it is refused. */
  maxWaitMillis: number;
}

/**
 * An operation refused because too many were running and waiting. Nothing was hashed or
 * verified, so the caller changed nothing; the same request a moment later can succeed.
 */
export class HasherBusyError extends Error {
  constructor(
    readonly why: "queue_full" | "wait_timeout",
    readonly retryAfterSeconds: number,
  ) {
    super(`password hashing is busy (${why.replace("_", " ")})`);
    this.name = "HasherBusyError";
  }
}

/**
 * The default for `maxInFlight`. Argon2 runs on libuv's thread pool (UV_THREADPOOL_SIZE, 4 by
 * default), which file system, DNS and async crypto calls share: keep one thread free for them.
 * Each operation keeps a core busy for its whole duration: keep one core free for the event loop,
 * which answers every other request. At least one, or nothing could ever be hashed.
 */
export function defaultMaxInFlight(machine: { cores: number; threadPoolSize: number }): number {
  return Math.max(1, Math.min(machine.threadPoolSize - 1, machine.cores - 1));
}

/** Runs one expensive operation within a process-wide bound (see createWorkBound). */
export type WorkBound = <T>(operation: () => Promise<T>) => Promise<T>;

/**
 * At most `maxInFlight` operations run at once in this process; others wait in arrival order,
 * at most `maxQueued` of them and each for at most `maxWaitMillis`, and otherwise fail fast with
 * HasherBusyError. Every hashing in the process (Argon2, and the bcrypt or Argon2 hashes written
 * to an organisation's own user store) shares one bound.
 */
export function createWorkBound(bounds: HasherBounds): WorkBound {
  const retryAfterSeconds = Math.max(1, Math.ceil(bounds.maxWaitMillis / 1000));
  const waiting: Array<() => void> = [];
  let inFlight = 0;

  function admit(): Promise<void> {
    if (inFlight < bounds.maxInFlight && waiting.length === 0) {
      inFlight += 1;
      return Promise.resolve();
    }
    if (waiting.length >= bounds.maxQueued) {
      return Promise.reject(new HasherBusyError("queue_full", retryAfterSeconds));
    }
    return new Promise((resolve, reject) => {
      const start = () => {
        clearTimeout(timer);
        inFlight += 1;
        resolve();
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(start), 1);
        reject(new HasherBusyError("wait_timeout", retryAfterSeconds));
      }, bounds.maxWaitMillis);
      timer.unref?.();
      waiting.push(start);
    });
  }

  function release(): void {
    inFlight -= 1;
    waiting.shift()?.();
  }

  return async (operation) => {
    await admit();
    try {
      return await operation();
    } finally {
      release();
    }
  };
}

/**
 * Wraps a hasher so that its operations run within `bounds` (a bound of their own, or one
 * shared with other hashing). Without it, any number of requests could queue Argon2 work on the
 * thread pool and pin every core, slowing every other endpoint.
 */
export function createBoundedHasher(
  inner: PasswordHasher,
  bounds: HasherBounds | WorkBound,
): PasswordHasher {
  const run = typeof bounds === "function" ? bounds : createWorkBound(bounds);
  return {
    hash: (password) => run(() => inner.hash(password)),
    verify: (hash, password) => run(() => inner.verify(hash, password)),
    needsRehash: (hash) => inner.needsRehash(hash),
  };
}
