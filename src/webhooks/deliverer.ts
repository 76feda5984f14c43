import { startPolling } from "../jobs/polling.ts";
import { createSlotSender, type SlotSender } from "../jobs/slot-sender.ts";
import { claimDueDeliveries, deliverWebhook, type WebhookDeliveryDependencies } from "./deliver.ts";

export interface WebhookDeliverer {
  /** Fills the free slots with due deliveries now (tests; a wake after a change). */
  run(): void;
  /** Resolves once every delivery that was due has been tried (tests). */
  drain(): Promise<void>;
  /** Stops claiming and waits (briefly) for sends in flight; unfinished ones are retried later. */
  stop(): Promise<void>;
}

export interface WebhookDelivererOptions {
  pollIntervalMillis?: number;
  /** Sends in flight at once: a receiver that hangs holds one slot, up to the timeout, per delivery. */
  maxConcurrentSends?: number;
  stopGraceMillis?: number;
}

/**
 * Delivers due webhooks at jittered intervals, several at once. Every instance runs one; row
 * leases keep them apart. A receiver that is down gets its own deliveries backed off, and
 * holds no slot meanwhile: the other endpoints' deliveries go on.
 */
export function startWebhookDeliverer(
  deps: WebhookDeliveryDependencies,
  {
    pollIntervalMillis = 1_000,
    maxConcurrentSends = 16,
    stopGraceMillis = 5_000,
  }: WebhookDelivererOptions = {},
): WebhookDeliverer {
  const sender: SlotSender = createSlotSender({
    logger: deps.logger,
    maxConcurrentSends,
    claim: (limit) => claimDueDeliveries(deps, limit),
    send: (delivery) => deliverWebhook(deps, delivery),
    describe: (delivery) => ({ deliveryId: delivery.id, eventId: delivery.event.id }),
  });
  const poll = startPolling(() => sender.run(), {
    intervalMillis: pollIntervalMillis,
    jitter: 0.5,
  });
  sender.run();
  return {
    run: () => sender.run(),
    drain: () => sender.drain(),
    async stop() {
      poll.stop();
      await sender.stop();
      await sender.settle(stopGraceMillis);
    },
  };
}
