import { describe, expect, it } from "vitest";
import {
  createBoundedHasher,
  defaultMaxInFlight,
  HasherBusyError,
} from "../../src/passwords/bounded-hasher.ts";
import type { PasswordHasher } from "../../src/passwords/hasher.ts";

/** A hasher whose operations finish only when the test says so; records how many run at once. */
function createHeldHasher() {
  const pending: Array<() => void> = [];
  let running = 0;
  let mostAtOnce = 0;
  const operation = <T>(value: T) =>
    new Promise<T>((resolve) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      pending.push(() => {
        running -= 1;
        resolve(value);
      });
    });
  const hasher: PasswordHasher = {
    hash: (password) => operation(`hashed:${password}`),
    verify: (hash, password) => operation(hash === `hashed:${password}`),
    needsRehash: () => false,
  };
  return {
    hasher,
    started: () => pending.length,
    mostAtOnce: () => mostAtOnce,
    /** Finishes the oldest running operation and lets queued ones start. */
    async finishOne() {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("createBoundedHasher", () => {
  it("runs at most maxInFlight operations at once and starts queued ones in arrival order", async () => {
    const held = createHeldHasher();
    const bounded = createBoundedHasher(held.hasher, {
      maxInFlight: 2,
      maxQueued: 10,
      maxWaitMillis: 60_000,
    });
    const results = ["a", "b", "c", "d", "e"].map((password) => bounded.hash(password));
    await settle();
    expect(held.started()).toBe(2);
    for (let i = 0; i < 5; i++) await held.finishOne();
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d", "e"].map((p) => `hashed:${p}`));
    expect(held.mostAtOnce()).toBe(2);
  });

  it("refuses at once with HasherBusyError when the queue is full, having started nothing", async () => {
    const held = createHeldHasher();
    const bounded = createBoundedHasher(held.hasher, {
      maxInFlight: 1,
      maxQueued: 1,
      maxWaitMillis: 60_000,
    });
    const running = bounded.verify("hashed:x", "x");
    const queued = bounded.hash("y");
    const refused = bounded.hash("z");
    await expect(refused).rejects.toBeInstanceOf(HasherBusyError);
    await expect(refused).rejects.toMatchObject({ why: "queue_full", retryAfterSeconds: 60 });
    await settle();
    expect(held.started()).toBe(1);
    await held.finishOne();
    await held.finishOne();
    expect(await running).toBe(true);
    expect(await queued).toBe("hashed:y");
  });

  it("refuses an operation that waited longer than maxWaitMillis, and it never starts", async () => {
    const held = createHeldHasher();
    const bounded = createBoundedHasher(held.hasher, {
      maxInFlight: 1,
      maxQueued: 5,
      maxWaitMillis: 5,
    });
    const running = bounded.hash("a");
    const waiting = bounded.hash("b");
    await expect(waiting).rejects.toMatchObject({ name: "HasherBusyError", why: "wait_timeout" });
    await held.finishOne();
    expect(await running).toBe("hashed:a");
    expect(held.started()).toBe(0);
    // The place the refused one held is free again.
    const next = bounded.hash("c");
    await settle();
    await held.finishOne();
    expect(await next).toBe("hashed:c");
  });

  it("frees its place when an operation fails", async () => {
    const failing: PasswordHasher = {
      hash: () => Promise.reject(new Error("boom")),
      verify: () => Promise.resolve(true),
      needsRehash: () => true,
    };
    const bounded = createBoundedHasher(failing, {
      maxInFlight: 1,
      maxQueued: 0,
      maxWaitMillis: 1,
    });
    await expect(bounded.hash("a")).rejects.toThrow("boom");
    expect(await bounded.verify("h", "a")).toBe(true);
    expect(bounded.needsRehash("h")).toBe(true);
  });
});

describe("defaultMaxInFlight", () => {
  it("leaves a core for the event loop and a pool thread for the rest, and is at least 1", () => {
    expect(defaultMaxInFlight({ cores: 2, threadPoolSize: 4 })).toBe(1);
    expect(defaultMaxInFlight({ cores: 1, threadPoolSize: 4 })).toBe(1);
    expect(defaultMaxInFlight({ cores: 8, threadPoolSize: 4 })).toBe(3);
    expect(defaultMaxInFlight({ cores: 8, threadPoolSize: 16 })).toBe(7);
    expect(defaultMaxInFlight({ cores: 16, threadPoolSize: 1 })).toBe(1);
  });
});
