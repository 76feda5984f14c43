import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import { createOpaqueId, hashTicketToken, type RandomBytes } from "../secret-tokens.ts";
import type { RefreshTokenStore, UnblockTicketStore } from "../sign-in/ports.ts";
import { type LinkProblem, linkProblemOf } from "../single-use-link.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import { changeActorOf, createChangeEvent } from "../webhooks/events.ts";
import type { ChangeEventOutbox } from "../webhooks/ports.ts";
import type { SecureAccountTicketStore, TicketStore } from "./ports.ts";

/** The audit action of a secured account: posted to the audit channel with staff buttons. */
export const SECURED_ACTION = "user.secured";

export interface SecureAccountPorts {
  secureAccountTickets: Pick<SecureAccountTicketStore, "findByTokenHash">;
  users: Pick<UserStore, "findById">;
  connections: Pick<ConnectionStore, "findById">;
  /** The link used, the block, every revocation, the audit entry and the event, together. */
  transaction: Transaction<{
    secureAccountTickets: Pick<SecureAccountTicketStore, "consume" | "revokeUnusedForUser">;
    users: Pick<UserStore, "setBlocked">;
    refreshTokens: Pick<RefreshTokenStore, "revokeForUser">;
    tickets: Pick<TicketStore, "revokeUnusedForUser">;
    unblockTickets: Pick<UnblockTicketStore, "revokeUnusedForUser">;
    audit: Pick<AuditLog, "record">;
    changeEvents: Pick<ChangeEventOutbox, "publish">;
  }>;
}

export type SecureAccountResult =
  | {
      ok: true;
      /** False for a user of an external store: the app owns the flag, Passdesk cannot set it. */
      blocked: boolean;
    }
  | { ok: false; problem: LinkProblem };

/** What the secure page shows for a link, without using it up (mail scanners follow links). */
export async function inspectSecureAccountLink(
  repo: Pick<SecureAccountPorts, "secureAccountTickets">,
  token: string,
  at: Date,
): Promise<{ ok: true } | { ok: false; problem: LinkProblem }> {
  const ticket = await repo.secureAccountTickets.findByTokenHash(hashTicketToken(token));
  const problem = linkProblemOf(ticket, at);
  return problem ? { ok: false, problem } : { ok: true };
}

/**
 * The user says a password change was not theirs: whoever made it must lose the account now,
 * before staff can look. So the account is blocked (sign-in, refresh and reset emails all refuse
 * a blocked user), every refresh token and outstanding link is revoked, and the audit entry
 * brings staff in (posted with Send reset email and Unblock buttons). A user of an external
 * store cannot be blocked from Passdesk: they are signed out and the links revoked all the same,
 * and staff block them in the app.
 */
export async function secureAccount(
  repo: SecureAccountPorts,
  token: string,
  at: Date,
  random?: RandomBytes,
): Promise<SecureAccountResult> {
  const tokenHash = hashTicketToken(token);
  const ticket = await repo.secureAccountTickets.findByTokenHash(tokenHash);
  const problem = linkProblemOf(ticket, at);
  if (problem || !ticket) return { ok: false, problem: problem ?? "invalid" };
  // Read before the transaction: an external store's user is fetched from the store.
  const user = await repo.users.findById(ticket.userId);
  const connection = user && (await repo.connections.findById(user.connectionId));
  if (!user || !connection) return { ok: false, problem: "invalid" };
  const canBlock = !user.externalId;

  return repo.transaction(async (stores): Promise<SecureAccountResult> => {
    // Two clicks at once: only the one that used the link goes on.
    if (!(await stores.secureAccountTickets.consume(tokenHash, at)))
      return { ok: false, problem: "used" };
    if (canBlock) await stores.users.setBlocked(user.id, true);
    const refreshTokens = await stores.refreshTokens.revokeForUser(user.id, "blocked", at);
    await stores.tickets.revokeUnusedForUser(user.id, at);
    const unblockLinks = await stores.unblockTickets.revokeUnusedForUser(user.id, at);
    const secureLinks = await stores.secureAccountTickets.revokeUnusedForUser(user.id, at);
    const entry = {
      actorType: "user",
      actorId: String(user.id),
      action: SECURED_ACTION,
      outcome: !canBlock ? "signed_out" : user.blocked ? "already_blocked" : "blocked",
      targetEmail: user.email,
      connection: connection.name,
      // What the channel message's buttons carry, instead of the email.
      requestId: createOpaqueId("sec", random),
      details: { via: "link", refreshTokens, unblockLinks, secureLinks },
    } satisfies AuditEntry;
    await stores.audit.record(entry);
    if (entry.outcome === "blocked") {
      await stores.changeEvents.publish(
        createChangeEvent(
          "user.blocked",
          { user, connection: connection.name, by: changeActorOf(entry), block: "account" },
          at,
          random,
        ),
      );
    }
    return { ok: true, blocked: canBlock };
  });
}
