import { describe, expect, it } from "vitest";
import { coalesce } from "../../src/jobs/coalesce.ts";
import { limitInFlight } from "../../src/jobs/limit-in-flight.ts";

/** A promise the test settles. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued callbacks (setImmediate, promise continuations) run. */
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A `many` that records each batch and answers each key with `value:<key>`. */
function recordingMany<K>(answer: (key: K) => unknown = (key) => `value:${String(key)}`) {
  const batches: K[][] = [];
  const many = async (keys: K[]) => {
    batches.push([...keys]);
    return keys.map(answer);
  };
  return { batches, many };
}

/** A `many` whose batches wait until the test resolves them, in order. */
function heldMany<K>() {
  const batches: Array<{ keys: K[]; release(): void }> = [];
  const many = async (keys: K[]) => {
    const gate = deferred();
    batches.push({ keys: [...keys], release: () => gate.resolve() });
    await gate.promise;
    return keys.map((key) => `value:${String(key)}`);
  };
  return { batches, many };
}

describe("coalesce", () => {
  it("shares one call of `many` between the calls of one turn, each caller getting its own result", async () => {
    const { batches, many } = recordingMany<number>();
    const one = coalesce(many);

    const results = await Promise.all([one(3), one(1), one(2)]);

    expect(batches).toEqual([[3, 1, 2]]);
    expect(results).toEqual(["value:3", "value:1", "value:2"]);
  });

  it("sends a lone call at once, without waiting for company", async () => {
    const { batches, many } = recordingMany<number>();
    const one = coalesce(many);

    const result = one(7);
    await turns(1);

    expect(batches).toEqual([[7]]);
    expect(await result).toBe("value:7");
  });

  it("sends the calls made while a batch is in flight together, as the next batch", async () => {
    const { batches, many } = heldMany<number>();
    const one = coalesce(many, { maxInFlight: 1 });

    const first = one(1);
    await turns();
    const second = one(2);
    await turns();
    const third = one(3);
    await turns();
    expect(batches.map((batch) => batch.keys)).toEqual([[1]]);

    batches[0]?.release();
    expect(await first).toBe("value:1");
    await turns();
    expect(batches.map((batch) => batch.keys)).toEqual([[1], [2, 3]]);
    batches[1]?.release();
    expect(await Promise.all([second, third])).toEqual(["value:2", "value:3"]);
  });

  it("runs up to maxInFlight batches at once; calls made meanwhile wait for one to end", async () => {
    const { batches, many } = heldMany<number>();
    const one = coalesce(many, { maxInFlight: 2 });

    const first = one(1);
    await turns();
    const second = one(2);
    await turns();
    const later = [one(3), one(4)];
    await turns();
    expect(batches.map((batch) => batch.keys)).toEqual([[1], [2]]);

    batches[1]?.release();
    expect(await second).toBe("value:2");
    await turns();
    expect(batches.map((batch) => batch.keys)).toEqual([[1], [2], [3, 4]]);
    batches[0]?.release();
    batches[2]?.release();
    expect(await Promise.all([first, ...later])).toEqual(["value:1", "value:3", "value:4"]);
  });

  it("answers equal keys once with dedupeBy, each of their callers with the same value", async () => {
    const { batches, many } = recordingMany<number>((key) => ({ key }));
    const one = coalesce(many, { dedupeBy: (key) => key });

    const [a, b, c, d] = await Promise.all([one(1), one(2), one(1), one(1)]);

    expect(batches).toEqual([[1, 2]]);
    expect(a).toEqual({ key: 1 });
    expect(b).toEqual({ key: 2 });
    expect(c).toBe(a);
    expect(d).toBe(a);
  });

  it("without dedupeBy, sends every call as its own key", async () => {
    const { batches, many } = recordingMany<number>();
    const one = coalesce(many);

    await Promise.all([one(1), one(1)]);

    expect(batches).toEqual([[1, 1]]);
  });

  it("keeps keys with the same apartBy value out of one batch: the later goes after the first's batch resolved", async () => {
    const events: string[] = [];
    const batches: Array<{ keys: Array<{ user: number; n: number }>; release(): void }> = [];
    const one = coalesce(
      async (keys: Array<{ user: number; n: number }>) => {
        const gate = deferred();
        const label = keys.map((key) => key.n).join(",");
        events.push(`start ${label}`);
        batches.push({ keys, release: () => gate.resolve() });
        await gate.promise;
        events.push(`end ${label}`);
        return keys.map((key) => key.n);
      },
      { apartBy: (key) => [key.user] },
    );

    const calls = [
      one({ user: 1, n: 1 }),
      one({ user: 2, n: 2 }),
      one({ user: 1, n: 3 }),
      one({ user: 3, n: 4 }),
    ];
    await turns();
    expect(events).toEqual(["start 1,2,4"]);

    batches[0]?.release();
    await turns();
    expect(events).toEqual(["start 1,2,4", "end 1,2,4", "start 3"]);
    batches[1]?.release();

    expect(await Promise.all(calls)).toEqual([1, 2, 3, 4]);
  });

  it("splits the calls into batches of at most maxBatch keys, in order", async () => {
    const { batches, many } = recordingMany<number>();
    const one = coalesce(many, { maxBatch: 2 });

    const results = await Promise.all([1, 2, 3, 4, 5].map((key) => one(key)));

    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
    expect(results).toEqual(["value:1", "value:2", "value:3", "value:4", "value:5"]);
  });

  it("retries a failing batch key by key: only the bad key's caller rejects", async () => {
    const batches: string[][] = [];
    const one = coalesce(async (keys: string[]) => {
      batches.push([...keys]);
      if (keys.includes("bad")) throw new Error("bad key");
      return keys.map((key) => key.toUpperCase());
    });

    const results = await Promise.allSettled([one("a"), one("bad"), one("c")]);

    expect(results).toEqual([
      { status: "fulfilled", value: "A" },
      { status: "rejected", reason: new Error("bad key") },
      { status: "fulfilled", value: "C" },
    ]);
    expect(batches[0]).toEqual(["a", "bad", "c"]);
    expect(batches.slice(1).sort()).toEqual([["a"], ["bad"], ["c"]]);
  });

  it("rejects a call alone in a failing batch with the batch's error, and goes on with the next", async () => {
    let fail = true;
    const one = coalesce(async (keys: number[]) => {
      if (fail) throw new Error("down");
      return keys;
    });

    await expect(one(1)).rejects.toThrow("down");
    fail = false;
    expect(await one(2)).toBe(2);
  });

  it("rejects rather than mis-assigns when `many` answers with the wrong number of results", async () => {
    // One result short for a batch: every caller of the batch rejects, and `many` is not run
    // again key by key (it may have written already).
    const calls: number[][] = [];
    const shortForBatches = coalesce(async (keys: number[]) => {
      calls.push(keys);
      return (keys.length > 1 ? keys.slice(1) : keys).map((key) => key * 10);
    });
    const batch = await Promise.allSettled([
      shortForBatches(1),
      shortForBatches(2),
      shortForBatches(3),
    ]);
    expect(batch.map((result) => result.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(await shortForBatches(4)).toBe(40);

    // Always one result too many: every caller rejects, none gets another's value.
    const tooMany = coalesce(async (keys: number[]) => [...keys, 0]);
    const settled = await Promise.allSettled([tooMany(1), tooMany(2)]);
    expect(settled.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    await expect(tooMany(3)).rejects.toThrow("expected 1 results, got 2");
  });
});

describe("limitInFlight", () => {
  it("runs at most `max` operations at once, starting the waiting ones first come first served", async () => {
    const limit = limitInFlight(2);
    const started: number[] = [];
    const gates = new Map<number, () => void>();
    let running = 0;
    let mostAtOnce = 0;
    const operation = (n: number) => async () => {
      started.push(n);
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise<void>((resolve) => gates.set(n, resolve));
      running--;
      return n;
    };

    const results = [1, 2, 3, 4, 5].map((n) => limit(operation(n)));
    await turns();
    expect(started).toEqual([1, 2]);

    gates.get(2)?.();
    await turns();
    expect(started).toEqual([1, 2, 3]);
    gates.get(1)?.();
    await turns();
    expect(started).toEqual([1, 2, 3, 4]);
    gates.get(4)?.();
    gates.get(3)?.();
    await turns();
    expect(started).toEqual([1, 2, 3, 4, 5]);
    gates.get(5)?.();

    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
    expect(mostAtOnce).toBe(2);
  });

  it("frees the place of an operation that throws, whether it rejects or throws at once", async () => {
    const limit = limitInFlight(1);
    const rejecting = limit(async () => {
      throw new Error("rejected");
    });
    const throwing = limit(() => {
      throw new Error("thrown");
    });
    const next = limit(async () => "ran");

    await expect(rejecting).rejects.toThrow("rejected");
    await expect(throwing).rejects.toThrow("thrown");
    expect(await next).toBe("ran");

    // Its place is free again: one more goes at once.
    let ran = false;
    await limit(async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});
