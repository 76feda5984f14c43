import { type Mailer, MailerError } from "../email/mailer.ts";
import type { OutboxEmail } from "../email/ports.ts";
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
 * with the mailer, claiming more as soon as some are done. The emails in progress share their
 * statements (see batchSendPorts), and only the mailer's call takes one of its places: looking
 * up, issuing a ticket and recording the result never keep the provider waiting. The worker runs
 * one; tests drive the same one, so they exercise the loop production runs.
 */
export function createOutboxSender(
  deps: OutboxSenderDependencies,
  { logger, maxConcurrentSends, maxEmailsInProgress = 8 * maxConcurrentSends }: OutboxSenderOptions,
): OutboxSender {
  const withMailer = limitInFlight(maxConcurrentSends);
  const leaseMillis = deps.leaseMillis ?? DEFAULT_LEASE_MILLIS;
  let stopping = false;
  const sendDeps: SendDependencies = { ...deps, repo: batchSendPorts(deps.repo) };

  /**
   * The mailer for one claimed email, once a place is free. An email that waited too long for
   * one (its lease half gone: another worker could soon claim it again), or whose worker stopped
   * meanwhile, goes back to the outbox as a retry instead (its ticket revoked, as after any
   * failed send), so a deep queue never sends an email twice.
   */
  const mailerFor = (email: OutboxEmail): Mailer => ({
    ...deps.mailer,
    send: (outgoing) =>
      withMailer(() => {
        if (stopping) throw notSent("the worker stopped before sending");
        const leaseLeft = (email.lockedUntil?.getTime() ?? 0) - deps.clock.now().getTime();
        if (leaseLeft < leaseMillis / 2) throw notSent("waited too long for the mailer");
        return deps.mailer.send(outgoing);
      }),
  });
  const sender = createSlotSender({
    logger,
    maxConcurrentSends: Math.max(maxConcurrentSends, maxEmailsInProgress),
    claim: (limit) => claimDueEmails(sendDeps, limit),
    send: (email) => sendEmail({ ...sendDeps, mailer: mailerFor(email) }, email),
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
