import { createSerialTask } from "../jobs/serial-task.ts";
import type { Logger } from "../logger.ts";
import { claimDueEmails, type SendDependencies, sendEmail } from "./send-emails.ts";

export interface OutboxSenderOptions {
  logger: Logger;
  /** Sends in flight at once; a slow or hanging provider holds only these slots. */
  maxConcurrentSends: number;
}

export interface OutboxSender {
  /** Fills the free slots with due emails now, or once more right after the pass in progress. */
  run(): void;
  /**
   * Resolves once no pass is running and no send is in flight: every email that was due has
   * been tried, and those a finished send made room for too.
   */
  drain(): Promise<void>;
  /** Stops claiming and waits for the pass in progress; sends in flight go on. */
  stop(): Promise<void>;
  /** Waits for the sends in flight, at most `graceMillis`; unfinished ones are retried later. */
  settle(graceMillis: number): Promise<void>;
}

/**
 * Keeps up to `maxConcurrentSends` emails in flight, refilling a slot as soon as a send ends.
 * The worker runs one; tests drive the same one, so they exercise the loop production runs.
 */
export function createOutboxSender(
  deps: SendDependencies,
  { logger, maxConcurrentSends }: OutboxSenderOptions,
): OutboxSender {
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();
  const pass = createSerialTask(fillSlots, logger);

  async function fillSlots(): Promise<void> {
    while (!stopped) {
      const free = maxConcurrentSends - inFlight.size;
      if (free <= 0) return;
      const claimed = await claimDueEmails(deps, free);
      for (const email of claimed) {
        const sending = sendEmail(deps, email)
          .catch((error) =>
            logger.error({ err: error, messageRef: email.messageRef }, "send failed unexpectedly"),
          )
          .finally(() => {
            inFlight.delete(sending);
            pass.run();
          });
        inFlight.add(sending);
      }
      if (claimed.length < free) return;
    }
  }

  return {
    run: () => pass.run(),
    async drain() {
      // A send that ends starts another pass, and a pass may start more sends: wait for both
      // until neither is left.
      while (pass.busy() || inFlight.size > 0) {
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
