import type { AuditLog } from "../audit/ports.ts";
import { hashTicketToken } from "../secret-tokens.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { SignInFailureStore, UnblockTicket, UnblockTicketStore } from "./ports.ts";

export interface UnblockLinkPorts {
  unblockTickets: Pick<UnblockTicketStore, "findByTokenHash" | "consume">;
  users: Pick<UserStore, "findById">;
  connections: Pick<ConnectionStore, "findById">;
  signInFailures: Pick<SignInFailureStore, "clear">;
  audit: Pick<AuditLog, "record">;
}

export type UnblockLinkProblem = "invalid" | "expired" | "used";

/** What the unblock page shows for a link, without using it up (mail scanners follow links). */
export async function inspectUnblockLink(
  repo: Pick<UnblockLinkPorts, "unblockTickets">,
  token: string,
  at: Date,
): Promise<{ ok: true } | { ok: false; problem: UnblockLinkProblem }> {
  const ticket = await repo.unblockTickets.findByTokenHash(hashTicketToken(token));
  const problem = ticketProblem(ticket, at);
  return problem ? { ok: false, problem } : { ok: true };
}

/** The confirmed link: used once, lifts its block, audited as the user. */
export async function redeemUnblockLink(
  repo: UnblockLinkPorts,
  token: string,
  at: Date,
): Promise<{ ok: true } | { ok: false; problem: UnblockLinkProblem }> {
  const tokenHash = hashTicketToken(token);
  const ticket = await repo.unblockTickets.consume(tokenHash, at);
  if (!ticket) {
    const problem = ticketProblem(await repo.unblockTickets.findByTokenHash(tokenHash), at);
    return { ok: false, problem: problem ?? "used" };
  }
  const user = await repo.users.findById(ticket.userId);
  const connection = user && (await repo.connections.findById(user.connectionId));
  if (!user || !connection) return { ok: false, problem: "invalid" };
  const lifted = await repo.signInFailures.clear(connection.id, user.email, ticket.ip);
  await repo.audit.record({
    actorType: "user",
    actorId: String(user.id),
    action: "sign_in.unblocked",
    outcome: lifted > 0 ? "unblocked" : "not_blocked",
    targetEmail: user.email,
    connection: connection.name,
    details: { ip: ticket.ip, count: lifted, via: "link" },
  });
  return { ok: true };
}

function ticketProblem(ticket: UnblockTicket | undefined, at: Date): UnblockLinkProblem | null {
  if (!ticket) return "invalid";
  if (ticket.usedAt) return "used";
  return ticket.expiresAt <= at ? "expired" : null;
}
