import type { Clock } from "../clock.ts";
import { retryDelayMillis } from "../jobs/backoff.ts";
import { startPolling } from "../jobs/polling.ts";
import { createSerialTask } from "../jobs/serial-task.ts";
import type { Logger } from "../logger.ts";
import type { AuditChannel, AuditPostQueue } from "./ports.ts";

export interface AuditChannelPoster {
  wake(): void;
  stop(): Promise<void>;
}

export interface AuditPosterOptions {
  queue: AuditPostQueue;
  channel: AuditChannel;
  clock: Clock;
  logger: Logger;
  pollIntervalMillis?: number;
  maxAttempts?: number;
}

/**
 * Posts audit rows marked for the channel, oldest first. The action they record has already
 * happened: when the channel is down the rows wait and are retried with backoff, never lost.
 */
export function startAuditPoster(options: AuditPosterOptions): AuditChannelPoster {
  const { queue, channel, clock, logger } = options;
  const maxAttempts = options.maxAttempts ?? 50;
  let stopped = false;
  const task = createSerialTask(async () => {
    while (!stopped) {
      const now = clock.now();
      const due = await queue.claimDue(now, new Date(now.getTime() + 60_000), 20);
      if (due.length === 0) return;
      for (const [index, record] of due.entries()) {
        try {
          const posted = await channel.post(record);
          await queue.markPosted(record.id, posted.channel, posted.ts);
        } catch (error) {
          const retryAfter = (error as { retryAfter?: number }).retryAfter;
          logger.warn({ auditId: record.id, err: error }, "audit message not posted; will retry");
          // Keep the channel in order: everything after a failure waits for the same retry.
          const retryAt = new Date(
            clock.now().getTime() + retryDelayMillis(record.slackAttempts + 1, retryAfter),
          );
          for (const waiting of due.slice(index)) {
            if (waiting.slackAttempts + 1 >= maxAttempts) await queue.markAbandoned(waiting.id);
            else await queue.scheduleRetry(waiting.id, retryAt);
          }
          return;
        }
      }
    }
  }, logger);
  const poll = startPolling(() => task.run(), {
    intervalMillis: options.pollIntervalMillis ?? 1_000,
  });
  task.run();
  return {
    wake: () => task.run(),
    async stop() {
      stopped = true;
      poll.stop();
      await task.idle();
    },
  };
}
