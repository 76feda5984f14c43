import type { Logger } from "../logger.ts";
import { createSerialTask } from "./serial-task.ts";

export interface SlotSenderOptions<T> {
  logger: Logger;
  /** Sends in flight at once; a slow or hanging receiver holds only these slots. */
  maxConcurrentSends: number;
  /**
   * Claims this many at a time (by default every free slot at once), and only once that many
   * slots are free: under a steady load items are claimed, and their statements run, a group
   * at a time rather than one by one as each send ends, and the first group after a quiet spell
   * is on its way before the next is claimed. At most `maxConcurrentSends`.
   */
  claimGroup?: number;
  /** Leases up to `limit` due items for this process. */
  claim(limit: number): Promise<T[]>;
  /** Sends one leased item and records the outcome; a throw is logged (the lease retries it). */
  send(item: T): Promise<unknown>;
  /** What identifies an item in the log when its send throws. */
  describe(item: T): Record<string, unknown>;
}

export interface SlotSender {
  /** Fills the free slots with due items now, or once more right after the pass in progress. */
  run(): void;
  /**
   * Resolves once no pass is running and no send is in flight: every item that was due has been
   * tried, and those a finished send made room for too.
   */
  drain(): Promise<void>;
  /** Stops claiming and waits for the pass in progress; sends in flight go on. */
  stop(): Promise<void>;
  /** Waits for the sends in flight, at most `graceMillis`; unfinished ones are retried later. */
  settle(graceMillis: number): Promise<void>;
}

/**
 * Keeps up to `maxConcurrentSends` items of an outbox in flight, refilling slots as sends end
 * (each at once, or a `claimGroup` at a time). The email worker and the webhook deliverer run one
 * each; tests drive the same loop.
 */
export function createSlotSender<T>(options: SlotSenderOptions<T>): SlotSender {
  const { logger, maxConcurrentSends } = options;
  const group = Math.min(Math.max(options.claimGroup ?? 1, 1), maxConcurrentSends);
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();
  const pass = createSerialTask(fillSlots, logger);
  let runScheduled = false;

  /**
   * A pass after this turn of the event loop: sends that share their statements end together,
   * and the slots they free are then claimed by one pass rather than one pass each.
   */
  function runSoon(): void {
    if (runScheduled) return;
    runScheduled = true;
    setImmediate(() => {
      runScheduled = false;
      pass.run();
    });
  }

  async function fillSlots(): Promise<void> {
    while (!stopped) {
      const free = maxConcurrentSends - inFlight.size;
      // Fewer free slots than a group: a send still in flight will end and start another pass.
      if (free < group) return;
      const limit = options.claimGroup === undefined ? free : group;
      const claimed = await options.claim(limit);
      for (const item of claimed) {
        const sending = options
          .send(item)
          .catch((error) =>
            logger.error({ err: error, ...options.describe(item) }, "send failed unexpectedly"),
          )
          .finally(() => {
            inFlight.delete(sending);
            runSoon();
          });
        inFlight.add(sending);
      }
      if (claimed.length < limit) return;
    }
  }

  return {
    run: () => pass.run(),
    async drain() {
      // A send that ends starts another pass, and a pass may start more sends: wait for both
      // until neither is left.
      while (runScheduled || pass.busy() || inFlight.size > 0) {
        if (runScheduled) await new Promise((resolve) => setImmediate(resolve));
        await pass.idle();
        await Promise.all(inFlight);
      }
    },
    async stop() {
      stopped = true;
      await pass.idle();
    },
    async settle(graceMillis) {
      await Promise.race([
        Promise.all(inFlight),
        new Promise((resolve) => setTimeout(resolve, graceMillis).unref()),
      ]);
    },
  };
}
