import { startPolling } from "../jobs/polling.ts";
import { createSerialTask } from "../jobs/serial-task.ts";
import type { Logger } from "../logger.ts";
import type { RateLimitStore } from "../rate-limits/ports.ts";
import type { BatchableSendPorts } from "./batched-send-ports.ts";
import { createOutboxSender } from "./outbox-sender.ts";
import { type ResolveDependencies, resolvePendingRequests } from "./resolve-requests.ts";
import type { SendDependencies } from "./send-emails.ts";

export interface Worker {
  /**
   * Asks for a pass now rather than at the next poll. For staff actions only: a public request
   * must never wake the worker (see startWorker).
   */
  wake(): void;
  /** Stops claiming work and waits (briefly) for sends in flight; unfinished ones are retried later. */
  stop(): Promise<void>;
}

/** Resolving, sending (in batches), and pruning the rate-limit buckets that are full again. */
export type WorkerDependencies = ResolveDependencies &
  SendDependencies & {
    repo: BatchableSendPorts & { rateLimits: Pick<RateLimitStore, "prune"> };
  };

export interface WorkerOptions {
  logger: Logger;
  /** The mean time between passes; each wait is drawn from half to one and a half times it. */
  pollIntervalMillis?: number;
  /** Calls to the mailer in flight at once; a slow or hanging provider holds only these. */
  maxConcurrentSends?: number;
  stopGraceMillis?: number;
  /** How often rate-limit buckets that are full again are deleted. */
  pruneIntervalMillis?: number;
  random?: () => number;
}

const PRUNE_BATCH = 1_000;

/**
 * Resolves recorded requests and keeps up to `maxConcurrentSends` emails in flight, refilling a
 * slot as soon as a send ends. Every instance runs one; Postgres row locks keep them apart.
 *
 * Public requests do not wake it: what it does next for a known address (a ticket, a render, a
 * send) costs more than for an unknown one, and work started the moment a request is answered
 * slows whatever request comes right after — on PGlite, whose engine shares the event loop, by
 * enough to tell the two apart. Passes therefore run on their own schedule, at jittered
 * intervals that no request moves (0.5–1.5× the poll interval, 250 ms by default), and a
 * request waits for the next one: under a quarter of a second on average.
 */
export function startWorker(
  deps: WorkerDependencies,
  {
    logger,
    pollIntervalMillis = 250,
    maxConcurrentSends = 32,
    stopGraceMillis = 5_000,
    pruneIntervalMillis = 60_000,
    random = Math.random,
  }: WorkerOptions,
): Worker {
  let stopped = false;
  const resolveDeps = { ...deps, logger, cooldown: new Map<string, number>() };
  const resolver = createSerialTask(async () => {
    let resolved = 0;
    // A pass starts at the first pending id, then goes on after the last one it resolved: a scan
    // from the start walks past an index entry for every request resolved since PostgreSQL last
    // vacuumed the table, which under load cost more than the batch itself. It starts over at
    // least every poll interval, for what it passed by (a row another instance held, or one
    // committed late with a lower id).
    let fromId = 0;
    let startedOverAt = performance.now();
    while (!stopped) {
      const batch = await resolvePendingRequests(resolveDeps, { fromId });
      if (batch.count === 0) break;
      resolved += batch.count;
      sender.run();
      if (performance.now() - startedOverAt >= pollIntervalMillis) {
        fromId = 0;
        startedOverAt = performance.now();
      } else {
        fromId = batch.lastId + 1;
      }
    }
    if (resolved > 0) sender.run();
  }, logger);
  const sender = createOutboxSender(deps, { logger, maxConcurrentSends });
  const pruner = createSerialTask(async () => {
    // A bounded amount per pass, so that a backlog of idle buckets never holds up the rest.
    for (let pass = 0; pass < 10 && !stopped; pass++) {
      if ((await deps.repo.rateLimits.prune(deps.clock.now(), PRUNE_BATCH)) < PRUNE_BATCH) return;
    }
  }, logger);

  // Jittered: see above; a request must not be able to predict, or move, the next pass.
  const poll = startPolling(
    () => {
      resolver.run();
      sender.run();
    },
    { intervalMillis: pollIntervalMillis, jitter: 0.5, random },
  );
  const prune = startPolling(() => pruner.run(), {
    intervalMillis: pruneIntervalMillis,
    jitter: 0.5,
    unref: true,
    random,
  });
  resolver.run();
  sender.run();

  return {
    wake: () => resolver.run(),
    async stop() {
      stopped = true;
      poll.stop();
      prune.stop();
      await Promise.all([resolver.idle(), sender.stop(), pruner.idle()]);
      await sender.settle(stopGraceMillis);
    },
  };
}
