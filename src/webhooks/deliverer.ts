import { startPolling } from "../jobs/polling.ts";
import { createSerialTask } from "../jobs/serial-task.ts";
import { createSlotSender, type SlotSender } from "../jobs/slot-sender.ts";
import { claimDueDeliveries, deliverWebhook, type WebhookDeliveryDependencies } from "./deliver.ts";
import type { WebhookDeliveryStore } from "./ports.ts";

/** How long delivered and failed deliveries are kept (`passdesk webhooks deliveries`). */
export const DELIVERY_RETENTION_MILLIS = 30 * 24 * 3_600_000;
const PRUNE_BATCH = 1_000;

export interface WebhookDeliverer {
  /** Fills the free slots with due deliveries now (tests; a wake after a change). */
  run(): void;
  /** Resolves once every delivery that was due has been tried, and old ones pruned (tests). */
  drain(): Promise<void>;
  /** Stops claiming and waits (briefly) for sends in flight; unfinished ones are retried later. */
  stop(): Promise<void>;
}

export interface WebhookDelivererOptions {
  pollIntervalMillis?: number;
  /** Sends in flight at once: a receiver that hangs holds one slot, up to the timeout, per delivery. */
  maxConcurrentSends?: number;
  stopGraceMillis?: number;
  /** How often delivered and failed deliveries past DELIVERY_RETENTION_MILLIS are deleted. */
  pruneIntervalMillis?: number;
}

export type WebhookDelivererDependencies = WebhookDeliveryDependencies & {
  repo: { webhookDeliveries: Pick<WebhookDeliveryStore, "prune"> };
};

/**
 * Delivers due webhooks at jittered intervals, several at once, and deletes old finished ones.
 * Every instance runs one; row leases keep them apart. A receiver that is down gets its own
 * deliveries backed off, and holds no slot meanwhile: the other endpoints' deliveries go on.
 */
export function startWebhookDeliverer(
  deps: WebhookDelivererDependencies,
  {
    pollIntervalMillis = 1_000,
    maxConcurrentSends = 16,
    stopGraceMillis = 5_000,
    pruneIntervalMillis = 10 * 60_000,
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
  let stopped = false;
  const pruner = createSerialTask(async () => {
    const before = new Date(deps.clock.now().getTime() - DELIVERY_RETENTION_MILLIS);
    for (let pass = 0; pass < 10 && !stopped; pass++) {
      if ((await deps.repo.webhookDeliveries.prune(before, PRUNE_BATCH)) < PRUNE_BATCH) return;
    }
  }, deps.logger);
  const prune = startPolling(() => pruner.run(), {
    intervalMillis: pruneIntervalMillis,
    jitter: 0.5,
    unref: true,
  });
  sender.run();
  pruner.run();
  return {
    run: () => sender.run(),
    async drain() {
      await Promise.all([sender.drain(), pruner.idle()]);
    },
    async stop() {
      stopped = true;
      poll.stop();
      prune.stop();
      await Promise.all([sender.stop(), pruner.idle()]);
      await sender.settle(stopGraceMillis);
    },
  };
}
