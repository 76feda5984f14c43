import type { AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { Connection } from "../users/connection.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import {
  changeExternalPassword,
  type ExternalChangeStore,
  type ExternalChangeWiring,
  type ExternalFinishPorts,
} from "./external-change.ts";
import {
  evaluateNewPassword,
  type NewPasswordVerdict,
  type PasswordChangePorts,
  storeNewPassword,
} from "./new-password.ts";
import { queuePasswordChangedNotice } from "./password-changed-notice.ts";
import type { Ticket, TicketStore } from "./ports.ts";
import { MAX_REJECTED_SUBMISSIONS } from "./submission-limits.ts";
import { hashTicketToken } from "./tokens.ts";

/** `too_many_attempts`: revoked because MAX_REJECTED_SUBMISSIONS submissions were refused. */
export type TicketProblem = "invalid" | "expired" | "used" | "revoked" | "too_many_attempts";

export type TicketInspection =
  | { status: "valid"; ticket: Ticket; user: User; connection: Connection }
  | { status: TicketProblem; ticket?: Ticket };

/** The ports a reset through a link uses, and those it changes together in one transaction. */
export interface CompleteResetPorts {
  tickets: Pick<TicketStore, "findByTokenHash" | "recordRejectedSubmission">;
  users: Pick<UserStore, "findById" | "recentPasswordHashes">;
  connections: Pick<ConnectionStore, "findById">;
  externalChanges: Pick<ExternalChangeStore, "claim" | "release">;
  transaction: Transaction<
    PasswordChangePorts &
      ExternalFinishPorts & {
        tickets: Pick<TicketStore, "consume">;
        audit: Pick<AuditLog, "record">;
      }
  >;
}

export interface CompleteResetDependencies {
  repo: CompleteResetPorts;
  hasher: PasswordHasher;
  clock: Clock;
  /** For connections whose users live in an external store. */
  external?: ExternalChangeWiring;
}

export type CompleteResetResult =
  | { ok: true; ticket: Ticket; user: User; connection: Connection }
  | { ok: false; reason: TicketProblem; ticket?: Ticket }
  /**
   * The user's external store did not confirm the password: `store_unavailable`, nothing
   * changed and the link works; `store_unconfirmed`, it may have, and recovery finishes it.
   */
  | { ok: false; reason: "store_unavailable" | "store_unconfirmed"; ticket: Ticket }
  | {
      ok: false;
      /** A mismatch, or a password the policy refused; the link still works. */
      reason: "rejected";
      verdict: NewPasswordVerdict & { ok: false };
      inspection: TicketInspection & { status: "valid" };
      /** Refused submissions the link takes before it is revoked. */
      attemptsLeft: number;
    };

/** Reads a ticket's state without changing it: GET and HEAD of a link must never consume it. */
export async function inspectTicket(
  { repo, clock }: Pick<CompleteResetDependencies, "repo" | "clock">,
  token: string,
): Promise<TicketInspection> {
  const ticket = await repo.tickets.findByTokenHash(hashTicketToken(token));
  if (!ticket) return { status: "invalid" };
  if (ticket.usedAt) return { status: "used", ticket };
  if (ticket.revokedAt) {
    // Only the refusal that reaches the budget revokes and counts, so no other revocation (a
    // newer email, a password change) leaves a ticket at the budget.
    const status =
      ticket.rejectedSubmissions >= MAX_REJECTED_SUBMISSIONS ? "too_many_attempts" : "revoked";
    return { status, ticket };
  }
  if (ticket.expiresAt.getTime() <= clock.now().getTime()) return { status: "expired", ticket };
  const user = await repo.users.findById(ticket.userId);
  const connection = user && (await repo.connections.findById(user.connectionId));
  if (!user || !connection || user.blocked) return { status: "revoked", ticket };
  return { status: "valid", ticket, user, connection };
}

/**
 * Sets a new password through a reset link. The policy is checked before the ticket is consumed,
 * so a refused password leaves the link usable, up to MAX_REJECTED_SUBMISSIONS refusals: each is
 * counted, and the one that reaches the budget revokes the link. The ticket is then consumed by
 * one guarded UPDATE in the same transaction as the password change (and the password-changed
 * notice it queues), so simultaneous submissions of one link change the password, and tell the
 * user, exactly once. The hasher may throw HasherBusyError before
 * anything was written or counted: the link stays as it was.
 */
export async function completePasswordReset(
  deps: CompleteResetDependencies,
  input: { token: string; password: string; confirmation: string },
): Promise<CompleteResetResult> {
  const inspection = await inspectTicket(deps, input.token);
  if (inspection.status !== "valid")
    return { ok: false, reason: inspection.status, ticket: inspection.ticket };

  const { user, connection } = inspection;
  const tokenHash = hashTicketToken(input.token);
  const verdict = await evaluateNewPassword(deps.repo, deps.hasher, user, connection, input);
  if (!verdict.ok) {
    const counted = await deps.repo.tickets.recordRejectedSubmission(
      tokenHash,
      deps.clock.now(),
      MAX_REJECTED_SUBMISSIONS,
    );
    if (!counted || counted.revoked) return reportUnusable(deps, input.token);
    const attemptsLeft = MAX_REJECTED_SUBMISSIONS - counted.rejectedSubmissions;
    return { ok: false, reason: "rejected", verdict, inspection, attemptsLeft };
  }
  const hash = await deps.hasher.hash(verdict.password);
  if (user.externalId) {
    return completeExternalReset(deps, inspection, input.token, verdict.password, hash);
  }

  const consumed = await deps.repo.transaction(async (stores) => {
    const at = deps.clock.now();
    const ticket = await stores.tickets.consume(tokenHash, at);
    if (!ticket) return undefined;
    const effects = await storeNewPassword(stores, user, hash, at, {
      connection: connection.name,
      by: { type: "user" },
    });
    await queuePasswordChangedNotice(stores, user, "user", at);
    await stores.audit.record({
      actorType: "user",
      action: "password_reset.completed",
      outcome: "success",
      targetEmail: user.email,
      connection: connection.name,
      details: { ticketId: ticket.id, ...effects },
    });
    return ticket;
  });
  if (!consumed) return reportUnusable(deps, input.token);
  return { ok: true, ticket: consumed, user, connection };
}

/** The reset of a user whose password lives in an external store (see external-change.ts). */
async function completeExternalReset(
  deps: CompleteResetDependencies,
  { ticket, user, connection }: TicketInspection & { status: "valid" },
  token: string,
  password: string,
  historyHash: string,
): Promise<CompleteResetResult> {
  if (!deps.external) return { ok: false, reason: "store_unavailable", ticket };
  const changed = await changeExternalPassword(
    { ...deps.external, repo: deps.repo, clock: deps.clock },
    {
      user,
      connection,
      password,
      historyHash,
      ticketId: ticket.id,
      outcome: {
        notify: true,
        audit: {
          actorType: "user",
          action: "password_reset.completed",
          outcome: "success",
          targetEmail: user.email,
          connection: connection.name,
          details: { ticketId: ticket.id, externalStore: true },
        },
      },
    },
  );
  if (changed.ok) {
    return { ok: true, ticket: { ...ticket, usedAt: deps.clock.now() }, user, connection };
  }
  if (changed.reason === "store_unavailable" || changed.reason === "store_unconfirmed") {
    return { ok: false, reason: changed.reason, ticket };
  }
  if (changed.reason === "user_not_found") return { ok: false, reason: "revoked", ticket };
  return reportUnusable(deps, token);
}

/** After a guarded UPDATE matched nothing: lost a race, or the link expired meanwhile. */
async function reportUnusable(
  deps: CompleteResetDependencies,
  token: string,
): Promise<CompleteResetResult> {
  const now = await inspectTicket(deps, token);
  return { ok: false, reason: now.status === "valid" ? "used" : now.status, ticket: now.ticket };
}
