import { createSlotSender, type SlotSender } from "../jobs/slot-sender.ts";
import type { Logger } from "../logger.ts";
import { claimDueEmails, type SendDependencies, sendEmail } from "./send-emails.ts";

export interface OutboxSenderOptions {
  logger: Logger;
  /** Sends in flight at once; a slow or hanging provider holds only these slots. */
  maxConcurrentSends: number;
}

export type OutboxSender = SlotSender;

/**
 * Keeps up to `maxConcurrentSends` emails in flight, refilling a slot as soon as a send ends.
 * The worker runs one; tests drive the same one, so they exercise the loop production runs.
 */
export function createOutboxSender(
  deps: SendDependencies,
  { logger, maxConcurrentSends }: OutboxSenderOptions,
): OutboxSender {
  return createSlotSender({
    logger,
    maxConcurrentSends,
    claim: (limit) => claimDueEmails(deps, limit),
    send: (email) => sendEmail(deps, email),
    describe: (email) => ({ messageRef: email.messageRef }),
  });
}
