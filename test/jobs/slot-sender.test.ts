import { describe, expect, it } from "vitest";
import { createSlotSender } from "../../src/jobs/slot-sender.ts";
import { createLogger } from "../../src/logger.ts";

const silentLogger = createLogger("silent", false);

/** A queue of `count` due items, and sends that end only when the test says so. */
function outbox(count: number) {
  const due = Array.from({ length: count }, (_, index) => index + 1);
  const limits: number[] = [];
  const sent: number[] = [];
  const ends = new Map<number, () => void>();
  return {
    limits,
    sent,
    claim: async (limit: number) => {
      limits.push(limit);
      return due.splice(0, limit);
    },
    send: (item: number) =>
      new Promise<void>((resolve) => {
        ends.set(item, () => {
          sent.push(item);
          resolve();
        });
      }),
    /** Ends the sends of these items, then lets the passes they start run. */
    async end(...items: number[]) {
      for (const item of items) ends.get(item)?.();
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    },
    inFlight: () => [...ends.keys()].filter((item) => !sent.includes(item)),
  };
}

const settle = async () => {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe("createSlotSender", () => {
  it("refills every free slot as soon as a send ends, by default", async () => {
    const items = outbox(20);
    const sender = createSlotSender({
      logger: silentLogger,
      maxConcurrentSends: 8,
      claim: items.claim,
      send: items.send,
      describe: (item) => ({ item }),
    });
    sender.run();
    await settle();
    expect(items.limits).toEqual([8]);
    await items.end(1);
    expect(items.limits).toEqual([8, 1]);
    expect(items.inFlight()).toHaveLength(8);
  });

  it("claims a group at a time, and only once a group's worth of slots is free", async () => {
    const items = outbox(20);
    const sender = createSlotSender({
      logger: silentLogger,
      maxConcurrentSends: 8,
      claimGroup: 4,
      claim: items.claim,
      send: items.send,
      describe: (item) => ({ item }),
    });
    sender.run();
    await settle();
    // Two groups fill the slots; the first was on its way before the second was claimed.
    expect(items.limits).toEqual([4, 4]);
    expect(items.inFlight()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    await items.end(1, 2, 3);
    expect(items.limits).toEqual([4, 4]);
    await items.end(4);
    expect(items.limits).toEqual([4, 4, 4]);
    expect(items.inFlight()).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);

    // Fewer than a group free at the end: every item is still sent.
    const draining = sender.drain();
    for (let round = 0; round < 10 && items.sent.length < 20; round++) {
      await items.end(...items.inFlight());
    }
    await draining;
    expect([...items.sent].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
  });
});
