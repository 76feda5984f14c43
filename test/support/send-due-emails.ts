import type { OutboxStore } from "../../src/email/ports.ts";
import { createLogger } from "../../src/logger.ts";
import {
  createOutboxSender,
  type OutboxSenderDependencies,
} from "../../src/password-reset/outbox-sender.ts";
import type { SendOutcome } from "../../src/password-reset/send-emails.ts";

export type SendCounts = Record<SendOutcome, number>;

/**
 * Runs the worker's own outbox sender until it is idle: every email due now has been tried once
 * (a retry is due later, on the clock). Counts the outcomes as the outbox records them, and
 * throws what the sender only logs — a send or claim that failed unexpectedly — so no test passes
 * over it.
 */
export async function sendDueEmails(
  deps: OutboxSenderDependencies,
  { maxConcurrentSends = 32 }: { maxConcurrentSends?: number } = {},
): Promise<SendCounts> {
  const counts: SendCounts = { sent: 0, retrying: 0, failed: 0 };
  const outbox: OutboxSenderDependencies["repo"]["outbox"] = deps.repo.outbox;
  const counted: Pick<
    OutboxStore,
    "claimDue" | "markSent" | "markAllSent" | "scheduleRetry" | "release" | "markFailed"
  > = {
    claimDue: (...args) => outbox.claimDue(...args),
    markSent: (...args) => {
      counts.sent++;
      return outbox.markSent(...args);
    },
    markAllSent: (sent, at) => {
      counts.sent += sent.length;
      return outbox.markAllSent(sent, at);
    },
    scheduleRetry: (...args) => {
      counts.retrying++;
      return outbox.scheduleRetry(...args);
    },
    release: (...args) => {
      counts.retrying++;
      return outbox.release(...args);
    },
    markFailed: (...args) => {
      counts.failed++;
      return outbox.markFailed(...args);
    },
  };
  const unexpected: string[] = [];
  const logger = createLogger("error", false, {
    write(line: string) {
      const entry = JSON.parse(line) as { msg?: string };
      if (entry.msg !== "email not sent") unexpected.push(line);
    },
  });
  const sender = createOutboxSender(
    { ...deps, logger, repo: { ...deps.repo, outbox: counted } },
    { logger, maxConcurrentSends },
  );
  sender.run();
  await sender.drain();
  if (unexpected.length > 0) throw new Error(`the sender failed: ${unexpected.join("")}`);
  return counts;
}
