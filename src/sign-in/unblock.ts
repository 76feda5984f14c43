import type { ActorType, AuditLog } from "../audit/ports.ts";
import { hashTicketToken } from "../secret-tokens.ts";
import { normalizeEmail } from "../users/email.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import {
  BLOCK_LIFETIME_MILLIS,
  type FailureCount,
  type SignInFailureStore,
  type UnblockTicket,
  type UnblockTicketStore,
} from "./ports.ts";

/** Whether a count blocks sign-in at `at`: blocked, and not longer ago than the block lifetime. */
export function isActiveBlock(count: FailureCount, at: Date): boolean {
  return (
    count.blockedAt !== null && at.getTime() - count.blockedAt.getTime() <= BLOCK_LIFETIME_MILLIS
  );
}

export interface SignInBlockPorts {
  connections: Pick<ConnectionStore, "findByName">;
  signInFailures: Pick<SignInFailureStore, "list" | "clear">;
  audit: Pick<AuditLog, "record">;
}

/** An identifier's counts per IP, each with whether it blocks sign-in now. */
export async function listSignInBlocks(
  repo: Pick<SignInBlockPorts, "connections" | "signInFailures">,
  input: { connection: string; email: string; at: Date },
): Promise<
  | { ok: true; counts: Array<FailureCount & { active: boolean }> }
  | { ok: false; reason: "connection_not_found" }
> {
  const connection = await repo.connections.findByName(input.connection);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  const counts = await repo.signInFailures.list(connection.id, normalizeEmail(input.email));
  return {
    ok: true,
    counts: counts.map((count) => ({ ...count, active: isActiveBlock(count, input.at) })),
  };
}

/**
 * Staff lift an identifier's blocks (one IP's, or all), from Slack or the CLI; audited with who
 * did it, even when there was nothing to lift.
 */
export async function unblockSignIn(
  repo: SignInBlockPorts,
  input: {
    connection: string;
    email: string;
    ip?: string;
    actor: { actorType: ActorType; actorId: string | null };
  },
): Promise<{ ok: true; lifted: number } | { ok: false; reason: "connection_not_found" }> {
  const connection = await repo.connections.findByName(input.connection);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  const email = normalizeEmail(input.email);
  const lifted = await repo.signInFailures.clear(connection.id, email, input.ip);
  await repo.audit.record({
    ...input.actor,
    action: "sign_in.unblocked",
    outcome: lifted > 0 ? "unblocked" : "not_blocked",
    targetEmail: email,
    connection: connection.name,
    details: { ip: input.ip ?? "all", count: lifted },
  });
  return { ok: true, lifted };
}

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
