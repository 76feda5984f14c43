import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import type { Mailer } from "../email/mailer.ts";
import { renderSignInBlockedEmail } from "../email/sign-in-blocked.ts";
import type { Logger } from "../logger.ts";
import { createOpaqueId, type RandomBytes } from "../secret-tokens.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { BruteForceSettings, Connection } from "../users/connection.ts";
import type { User } from "../users/user.ts";
import { changeActorOf, createChangeEvent } from "../webhooks/events.ts";
import type { ChangeEventOutbox } from "../webhooks/ports.ts";
import type { FailureCount, UnblockTicketStore } from "./ports.ts";
import { issueUnblockLink } from "./unblock-link.ts";

/** What the blocked-sign-in email needs besides the block: where links point, who sends. */
export interface BlockNoticeSettings {
  publicUrl: string;
  defaultFrom: string;
  friendlyName: string;
  supportEmail: string | undefined;
  supportUrl: string | undefined;
  unblockLinkLifetimeSeconds: number;
}

export interface BlockNoticeDependencies {
  repo: {
    audit: Pick<AuditLog, "record">;
    unblockTickets: Pick<UnblockTicketStore, "issue">;
    /** The block's audit entry and, for a known user, its `user.locked_out` event, together. */
    transaction: Transaction<{
      audit: Pick<AuditLog, "record">;
      changeEvents: Pick<ChangeEventOutbox, "publish">;
    }>;
  };
  mailer: Mailer;
  logger: Logger;
  settings: BlockNoticeSettings;
  random?: RandomBytes;
  /** Runs the email after the sign-in is answered (see createBruteForceGuard). */
  runInBackground(task: () => Promise<void>): void;
}

const has = (settings: BruteForceSettings, shield: "block" | "user_notification") =>
  settings.shields.includes(shield);

/**
 * The count of an identifier just reached the connection's maximum. With the `block` shield the
 * block is audited (and so posted to the audit channel, with an Unblock button); with
 * `user_notification` a known user is emailed, with an unblock link when sign-in is blocked.
 * The audit is the same whether the account exists; the email goes out after the answer, so
 * neither its cost nor its existence shows in the response. A known user's block also publishes
 * `user.locked_out` in the audit's transaction: one small INSERT on the one attempt in
 * `maxAttempts` that reaches the limit, lost in the password check's own variance.
 */
export async function noticeBlock(
  deps: BlockNoticeDependencies,
  connection: Connection,
  count: FailureCount,
  user: User | undefined,
): Promise<void> {
  const blocking = has(connection.bruteForce, "block");
  if (blocking) {
    await deps.repo.transaction(async (stores) => {
      const entry = {
        actorType: "system",
        action: "sign_in.blocked",
        outcome: "blocked",
        targetEmail: count.email,
        connection: connection.name,
        requestId: createOpaqueId("blk", deps.random),
        // Auth0's log type for "blocked account": `limit_wc`.
        details: { logType: "limit_wc", ip: count.ip, count: count.failures },
      } satisfies AuditEntry;
      await stores.audit.record(entry);
      if (!user) return;
      const at = count.blockedAt ?? count.lastFailureAt;
      const by = changeActorOf(entry);
      await stores.changeEvents.publish(
        createChangeEvent("user.locked_out", { user, connection: connection.name, by }, at),
      );
    });
  }
  if (!has(connection.bruteForce, "user_notification") || !user || user.blocked) return;
  deps.runInBackground(() => emailUser(deps, connection, count, user, blocking));
}

async function emailUser(
  deps: BlockNoticeDependencies,
  connection: Connection,
  count: FailureCount,
  user: User,
  blocking: boolean,
): Promise<void> {
  const { settings } = deps;
  const at = count.blockedAt ?? count.lastFailureAt;
  const messageRef = createOpaqueId("msg", deps.random);
  const url = blocking
    ? await issueUnblockLink(
        deps.repo,
        {
          userId: user.id,
          ip: count.ip,
          at,
          lifetimeSeconds: settings.unblockLinkLifetimeSeconds,
          publicUrl: settings.publicUrl,
        },
        deps.random,
      )
    : undefined;
  const rendered = renderSignInBlockedEmail({
    ...settings,
    email: user.email,
    ip: count.ip,
    failures: count.failures,
    at,
    ...(url && { unblock: { url, lifetimeSeconds: settings.unblockLinkLifetimeSeconds } }),
  });
  let outcome = "sent";
  try {
    await deps.mailer.send({ ...rendered, to: user.email, ref: messageRef });
  } catch (error) {
    outcome = "failed";
    deps.logger.error({ err: error, messageRef }, "blocked sign-in email not sent");
  }
  await deps.repo.audit.record({
    actorType: "system",
    action: "sign_in.block_email",
    outcome,
    targetEmail: user.email,
    connection: connection.name,
    details: { messageRef, ip: count.ip },
  });
}
