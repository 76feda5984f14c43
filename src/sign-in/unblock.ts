import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import { hashTicketToken } from "../secret-tokens.ts";
import { type LinkProblem, linkProblemOf } from "../single-use-link.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import { changeActorOf, createChangeEvent } from "../webhooks/events.ts";
import type { ChangeEventOutbox } from "../webhooks/ports.ts";
import type { SignInFailureStore, UnblockTicketStore } from "./ports.ts";

export interface UnblockLinkPorts {
  unblockTickets: Pick<UnblockTicketStore, "findByTokenHash" | "consume">;
  users: Pick<UserStore, "findById">;
  connections: Pick<ConnectionStore, "findById">;
  /** The block lifted, the audit entry and the `user.unblocked` event, together. */
  transaction: Transaction<{
    signInFailures: Pick<SignInFailureStore, "clear">;
    audit: Pick<AuditLog, "record">;
    changeEvents: Pick<ChangeEventOutbox, "publish">;
  }>;
}

export type UnblockLinkProblem = LinkProblem;

/** What the unblock page shows for a link, without using it up (mail scanners follow links). */
export async function inspectUnblockLink(
  repo: Pick<UnblockLinkPorts, "unblockTickets">,
  token: string,
  at: Date,
): Promise<{ ok: true } | { ok: false; problem: UnblockLinkProblem }> {
  const ticket = await repo.unblockTickets.findByTokenHash(hashTicketToken(token));
  const problem = linkProblemOf(ticket, at);
  return problem ? { ok: false, problem } : { ok: true };
}

/** The confirmed link: used once, lifts its block, audited as the user (and published). */
export async function redeemUnblockLink(
  repo: UnblockLinkPorts,
  token: string,
  at: Date,
): Promise<{ ok: true } | { ok: false; problem: UnblockLinkProblem }> {
  const tokenHash = hashTicketToken(token);
  const ticket = await repo.unblockTickets.consume(tokenHash, at);
  if (!ticket) {
    const problem = linkProblemOf(await repo.unblockTickets.findByTokenHash(tokenHash), at);
    return { ok: false, problem: problem ?? "used" };
  }
  const user = await repo.users.findById(ticket.userId);
  const connection = user && (await repo.connections.findById(user.connectionId));
  if (!user || !connection) return { ok: false, problem: "invalid" };
  await repo.transaction(async (stores) => {
    const lifted = await stores.signInFailures.clear(connection.id, user.email, ticket.ip);
    const entry = {
      actorType: "user",
      actorId: String(user.id),
      action: "sign_in.unblocked",
      outcome: lifted > 0 ? "unblocked" : "not_blocked",
      targetEmail: user.email,
      connection: connection.name,
      details: { ip: ticket.ip, count: lifted, via: "link" },
    } satisfies AuditEntry;
    await stores.audit.record(entry);
    if (lifted === 0) return;
    const by = changeActorOf(entry);
    await stores.changeEvents.publish(
      createChangeEvent(
        "user.unblocked",
        { user, connection: connection.name, by, block: "sign_in" },
        at,
      ),
    );
  });
  return { ok: true };
}
