import type { AuditLog } from "../audit/ports.ts";
import { type Mailer, MailerError } from "../email/mailer.ts";
import type { OutboxEmail, OutboxStore } from "../email/ports.ts";
import { TemplateRenderError } from "../email/render.ts";
import { retryDelayMillis } from "../jobs/backoff.ts";
import type { Logger } from "../logger.ts";
import { ExternalStoreUnavailableError } from "../users/external-store.ts";
import type { UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import {
  type ComposeDependencies,
  type ComposePorts,
  composeEmail,
  type EmailSettings,
} from "./compose-email.ts";

export type { EmailSettings };

/** Composing's ports, and the outbox rows and audit entries a send records. */
export interface SendPorts extends ComposePorts {
  outbox: Pick<OutboxStore, "claimDue" | "markSent" | "scheduleRetry" | "markFailed" | "release">;
  users: Pick<UserStore, "findById">;
  audit: Pick<AuditLog, "record">;
}

export interface SendDependencies extends ComposeDependencies {
  repo: SendPorts;
  mailer: Mailer;
  logger: Logger;
  /** How long a claimed email stays ours; after it, a crashed sender's email is retried. */
  leaseMillis?: number;
  maxAttempts?: number;
  /**
   * Runs an email's call to the provider and its "sent" mark when a place is free (see
   * createOutboxSender), or throws a MailerError with `notAttempted` to give the email back.
   * Without it they run at once.
   */
  providerPlace?: (email: OutboxEmail, send: () => Promise<void>) => Promise<void>;
}

export const DEFAULT_LEASE_MILLIS = 60_000;
const DEFAULT_MAX_ATTEMPTS = 15;

export type SendOutcome = "sent" | "retrying" | "failed";

/** The audit action of each kind of email's send. */
const EMAIL_ACTIONS: Record<OutboxEmail["kind"], string> = {
  change_password: "password_reset.email",
  password_changed: "password.notice_email",
  password_reveal: "password.reveal_email",
  password_reveal_expired: "password.reveal_expired_email",
};

/** Leases up to `limit` due emails for this process (see OutboxStore.claimDue). */
export function claimDueEmails(deps: SendDependencies, limit: number): Promise<OutboxEmail[]> {
  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + (deps.leaseMillis ?? DEFAULT_LEASE_MILLIS));
  return deps.repo.outbox.claimDue(now, leaseUntil, limit);
}

/** Sends one leased email and records the result: sent, retry later, or failed for good. */
export async function sendEmail(deps: SendDependencies, email: OutboxEmail): Promise<SendOutcome> {
  const { repo, clock } = deps;
  let user: User | undefined;
  try {
    user = email.userId === null ? undefined : await repo.users.findById(email.userId);
  } catch (error) {
    if (!(error instanceof ExternalStoreUnavailableError)) throw error;
    return waitForUserStore(deps, email, error);
  }
  if (!user || user.blocked) {
    return fail(deps, email, {
      outcome: user ? "blocked" : "unknown_user",
      reason: user ? "user is blocked" : "user no longer exists",
    });
  }
  const composed = await composeEmail(deps, email, user);
  if (!composed.ok) return fail(deps, email, composed);

  try {
    const rendered = await composed.render();
    const place = deps.providerPlace ?? ((_email, send) => send());
    await place(email, async () => {
      // The stored address, never one taken from the request: no email reaches anyone else.
      const sent = await deps.mailer.send({ ...rendered, to: user.email, ref: email.messageRef });
      await repo.outbox.markSent(email.id, sent.providerMessageId ?? null, clock.now());
    });
    await audit(
      deps,
      email,
      user.email,
      composed.connection,
      "sent",
      { attempts: email.attempts },
      composed.requestPublicId,
    );
    return "sent";
  } catch (error) {
    await composed.undo();
    if (error instanceof MailerError && error.details.notAttempted) {
      await repo.outbox.release(email, clock.now(), error.message);
      deps.logger.info({ messageRef: email.messageRef, reason: error.message }, "email put back");
      return "retrying";
    }
    if (
      error instanceof MailerError &&
      error.failure === "retryable" &&
      email.attempts < (deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)
    ) {
      const delay = retryDelayMillis(email.attempts, error.details.retryAfterSeconds);
      await repo.outbox.scheduleRetry(
        email,
        new Date(clock.now().getTime() + delay),
        error.message,
      );
      deps.logger.warn(
        {
          messageRef: email.messageRef,
          attempt: email.attempts,
          delayMillis: Math.round(delay),
          reason: error.message,
        },
        "email send failed; will retry",
      );
      return "retrying";
    }
    if (error instanceof MailerError || error instanceof TemplateRenderError) {
      const outcome = error instanceof MailerError ? "provider_failure" : "template_error";
      return fail(deps, email, { outcome, reason: error.message, connection: composed.connection });
    }
    throw error;
  }
}

/**
 * The user lives in a store that cannot be asked now (a connection with its own user store):
 * nothing was composed or sent, and the email is tried again with the provider's backoff rather
 * than left leased until its lease runs out.
 */
async function waitForUserStore(
  deps: SendDependencies,
  email: OutboxEmail,
  error: ExternalStoreUnavailableError,
): Promise<"retrying"> {
  const delay = retryDelayMillis(email.attempts, undefined);
  await deps.repo.outbox.scheduleRetry(
    email,
    new Date(deps.clock.now().getTime() + delay),
    `user store unavailable: ${error.why}`,
  );
  deps.logger.warn(
    { messageRef: email.messageRef, delayMillis: Math.round(delay), why: error.why },
    "email waits for its user store",
  );
  return "retrying";
}

async function fail(
  deps: SendDependencies,
  email: OutboxEmail,
  {
    outcome,
    reason,
    connection = null,
  }: { outcome: string; reason: string; connection?: string | null },
): Promise<"failed"> {
  await deps.repo.outbox.markFailed(email, reason);
  await audit(deps, email, email.toAddress, connection, outcome, {
    reason,
    attempts: email.attempts,
  });
  deps.logger.error({ messageRef: email.messageRef, reason }, "email not sent");
  return "failed";
}

async function audit(
  deps: SendDependencies,
  email: OutboxEmail,
  targetEmail: string,
  connection: string | null,
  outcome: string,
  details: Record<string, unknown>,
  /** The request's public id when the caller has it at hand; looked up otherwise. */
  requestPublicId?: string | null,
): Promise<void> {
  const requestId =
    requestPublicId === undefined && email.requestId !== null
      ? ((await deps.repo.resetRequests.findById(email.requestId))?.publicId ?? null)
      : (requestPublicId ?? null);
  await deps.repo.audit.record({
    actorType: "system",
    action: EMAIL_ACTIONS[email.kind],
    outcome,
    targetEmail,
    connection,
    requestId,
    details: { messageRef: email.messageRef, ...details },
  });
}
