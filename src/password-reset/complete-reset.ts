import type { Clock } from "../clock.ts";
import type { Repository } from "../db/stores.ts";
import type { Ticket } from "../db/ticket-store.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { PasswordCheck } from "../passwords/policy.ts";
import type { Connection } from "../users/connection.ts";
import { evaluateNewPassword, storeNewPassword } from "../users/set-password.ts";
import type { User } from "../users/user.ts";
import { hashTicketToken } from "./tokens.ts";

export type TicketProblem = "invalid" | "expired" | "used" | "revoked";

export type TicketInspection =
  | { status: "valid"; ticket: Ticket; user: User; connection: Connection }
  | { status: TicketProblem; ticket?: Ticket };

export interface CompleteResetDependencies {
  repo: Repository;
  hasher: PasswordHasher;
  clock: Clock;
}

export type CompleteResetResult =
  | { ok: true; ticket: Ticket; user: User; connection: Connection }
  | { ok: false; reason: TicketProblem; ticket?: Ticket }
  | { ok: false; reason: "mismatch"; inspection: TicketInspection & { status: "valid" } }
  | {
      ok: false;
      reason: "weak_password";
      check: PasswordCheck;
      inspection: TicketInspection & { status: "valid" };
    };

/** Reads a ticket's state without changing it: GET and HEAD of a link must never consume it. */
export async function inspectTicket(
  { repo, clock }: Pick<CompleteResetDependencies, "repo" | "clock">,
  token: string,
): Promise<TicketInspection> {
  const ticket = await repo.tickets.findByTokenHash(hashTicketToken(token));
  if (!ticket) return { status: "invalid" };
  if (ticket.usedAt) return { status: "used", ticket };
  if (ticket.revokedAt) return { status: "revoked", ticket };
  if (ticket.expiresAt.getTime() <= clock.now().getTime()) return { status: "expired", ticket };
  const user = await repo.users.findById(ticket.userId);
  const connection = user && (await repo.connections.findById(user.connectionId));
  if (!user || !connection || user.blocked) return { status: "revoked", ticket };
  return { status: "valid", ticket, user, connection };
}

/**
 * Sets a new password through a reset link. The policy is checked before the ticket is touched,
 * so a rejected password leaves the link usable; the ticket is then consumed by one guarded
 * UPDATE in the same transaction as the password change, so simultaneous submissions of one
 * link change the password exactly once.
 */
export async function completePasswordReset(
  deps: CompleteResetDependencies,
  input: { token: string; password: string; confirmation: string },
): Promise<CompleteResetResult> {
  const inspection = await inspectTicket(deps, input.token);
  if (inspection.status !== "valid")
    return { ok: false, reason: inspection.status, ticket: inspection.ticket };
  if (input.password !== input.confirmation) return { ok: false, reason: "mismatch", inspection };

  const { user, connection } = inspection;
  const check = await evaluateNewPassword(deps.repo, deps.hasher, user, connection, input.password);
  if (!check.ok) return { ok: false, reason: "weak_password", check, inspection };
  const hash = await deps.hasher.hash(check.password);

  const tokenHash = hashTicketToken(input.token);
  const consumed = await deps.repo.transaction(async (stores) => {
    const at = deps.clock.now();
    const ticket = await stores.tickets.consume(tokenHash, at);
    if (!ticket) return undefined;
    await storeNewPassword(stores, user.id, hash, at);
    await stores.audit.record({
      actorType: "user",
      action: "password_reset.completed",
      outcome: "success",
      targetEmail: user.email,
      connection: connection.name,
      details: { ticketId: ticket.id },
    });
    return ticket;
  });
  if (!consumed) {
    // Lost a race with another submission, or the link expired meanwhile: report which.
    const now = await inspectTicket(deps, input.token);
    return { ok: false, reason: now.status === "valid" ? "used" : now.status, ticket: now.ticket };
  }
  return { ok: true, ticket: consumed, user, connection };
}
