import { MailerError } from "../email/mailer.ts";
import { limitInFlight } from "../jobs/limit-in-flight.ts";
import { createSlotSender, type SlotSender } from "../jobs/slot-sender.ts";
import type { Logger } from "../logger.ts";
import { type BatchableSendPorts, batchSendPorts } from "./batched-send-ports.ts";
import {
  claimDueEmails,
  DEFAULT_LEASE_MILLIS,
  type SendDependencies,
  sendEmail,
} from "./send-emails.ts";

export interface OutboxSenderOptions {
  logger: Logger;
  /** Calls to the mailer in flight at once; a slow or hanging provider holds only these. */
  maxConcurrentSends: number;
  /**
   * Emails claimed and on their way at once (looked up, ticket issued, waiting for the mailer,
   * being recorded as sent); eight times `maxConcurrentSends` by default.
   */
  maxEmailsInProgress?: number;
}

export type OutboxSender = SlotSender;

/** The provider was not called: the email goes back to the outbox as it was (see sendEmail). */
const notSent = (reason: string) => new MailerError(reason, "retryable", { notAttempted: true });

export type OutboxSenderDependencies = SendDependencies & { repo: BatchableSendPorts };

/**
 * Keeps up to `maxEmailsInProgress` emails on their way, and up to `maxConcurrentSends` of them
 * with the mailer, claiming `maxConcurrentSends` more once that many are done. The emails in
 * progress share their statements (see batchSendPorts), and only the call to the provider and the
 * "sent" mark take one of its places: looking up, issuing a ticket, rendering and auditing never
 * keep the provider waiting. The worker runs one; tests drive the same one, so they exercise the
 * loop production runs.
 */
export function createOutboxSender(
  deps: OutboxSenderDependencies,
  { logger, maxConcurrentSends, maxEmailsInProgress = 8 * maxConcurrentSends }: OutboxSenderOptions,
): OutboxSender {
  const withMailer = limitInFlight(maxConcurrentSends);
  const leaseMillis = deps.leaseMillis ?? DEFAULT_LEASE_MILLIS;
  let stopping = false;
  /**
   * An email holds one of the provider's places from its call until it is recorded as sent, so
   * a process that dies leaves at most `maxConcurrentSends` emails sent but unrecorded (each sent
   * again after its lease). One that waited too long for a place (its lease half gone: another
   * worker could soon claim it again), or whose worker stopped meanwhile, goes back to the outbox
   * untried instead (its ticket revoked, as after any failed send): a deep queue never sends an
   * email twice.
   */
  const providerPlace: SendDependencies["providerPlace"] = (email, send) =>
    withMailer(() => {
      if (stopping) throw notSent("the worker stopped before sending");
      const leaseLeft = (email.lockedUntil?.getTime() ?? 0) - deps.clock.now().getTime();
      if (leaseLeft < leaseMillis / 2) throw notSent("waited too long for the mailer");
      return send();
    });
  const sendDeps: SendDependencies = { ...deps, repo: batchSendPorts(deps.repo), providerPlace };
  const sender = createSlotSender({
    logger,
    maxConcurrentSends: Math.max(maxConcurrentSends, maxEmailsInProgress),
    // A place's worth of emails at a time: those left in progress meanwhile keep every place busy.
    claimGroup: Math.max(1, Math.min(maxConcurrentSends, maxEmailsInProgress - maxConcurrentSends)),
    claim: (limit) => claimDueEmails(sendDeps, limit),
    send: (email) => sendEmail(sendDeps, email),
    describe: (email) => ({ messageRef: email.messageRef }),
  });
  return {
    ...sender,
    async stop() {
      stopping = true;
      withMailer.cancelWaiting(() => notSent("the worker stopped before sending"));
      await sender.stop();
    },
  };
}
