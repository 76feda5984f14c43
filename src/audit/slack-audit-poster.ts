import type { Clock } from "../clock.ts";
import { retryDelayMillis } from "../jobs/backoff.ts";
import { startPolling } from "../jobs/polling.ts";
import { createSerialTask } from "../jobs/serial-task.ts";
import type { Logger } from "../logger.ts";
import { ACTION_IDS } from "../slack/contract.ts";
import { buildAuditMessage } from "../slack/views/audit-message.ts";
import type { AuditPostQueue, AuditRecord } from "./ports.ts";

export interface AuditChannelPoster {
  wake(): void;
  stop(): Promise<void>;
}

export type PostAuditMessage = (message: {
  channel: string;
  text: string;
  blocks: unknown[];
}) => Promise<{ ts: string }>;

export interface AuditPosterOptions {
  queue: AuditPostQueue;
  channel: string;
  post: PostAuditMessage;
  clock: Clock;
  logger: Logger;
  pollIntervalMillis?: number;
  maxAttempts?: number;
}

const ACTOR_LABELS: Record<string, string> = {
  public: "The public API",
  user: "The user",
  cli: "The CLI",
  system: "Passdesk",
};

/** The channel message for an audit row, with the reset email's delivery status when known. */
export function toAuditMessage(
  record: AuditRecord,
  delivery?: { status: string; reason: string | null },
) {
  const message = buildAuditMessage({
    ...(delivery && { delivery }),
    at: record.at,
    ...(record.actorType === "slack" && record.actorId
      ? { actorSlackUserId: record.actorId }
      : { actorLabel: ACTOR_LABELS[record.actorType] ?? record.actorType }),
    action: record.action,
    outcome: record.outcome,
    targetEmail: record.targetEmail,
    connection: record.connection,
    requestId: record.requestId,
    details: record.details,
  });
  // A reset staff asked for can be sent again from the channel (role re-checked on click).
  const resendable =
    record.actorType === "slack" &&
    record.action === "password_reset.requested" &&
    record.outcome === "queued";
  if (!resendable || !record.requestId) return message;
  return {
    ...message,
    blocks: [
      ...message.blocks,
      {
        type: "actions" as const,
        elements: [
          {
            type: "button" as const,
            action_id: ACTION_IDS.resendReset,
            text: { type: "plain_text" as const, text: "Resend" },
            value: record.requestId,
          },
        ],
      },
    ],
  };
}

/**
 * Posts audit rows marked for the channel, oldest first. The action they record has already
 * happened: when Slack is down the rows wait and are retried with backoff, never lost.
 */
export function startAuditPoster(options: AuditPosterOptions): AuditChannelPoster {
  const { queue, channel, post, clock, logger } = options;
  const maxAttempts = options.maxAttempts ?? 50;
  let stopped = false;
  const task = createSerialTask(async () => {
    while (!stopped) {
      const now = clock.now();
      const due = await queue.claimDue(now, new Date(now.getTime() + 60_000), 20);
      if (due.length === 0) return;
      for (const [index, record] of due.entries()) {
        try {
          const { ts } = await post({ channel, ...toAuditMessage(record) });
          await queue.markPosted(record.id, channel, ts);
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
