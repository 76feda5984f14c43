import type { ActorType, AuditLog, AuditPostQueue } from "../audit/ports.ts";
import { normalizeEmail } from "../users/email.ts";
import type { ConnectionStore } from "../users/ports.ts";
import { countedIpOf } from "./counted-ip.ts";
import { BLOCK_LIFETIME_MILLIS, type FailureCount, type SignInFailureStore } from "./ports.ts";

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
    actor: Actor;
  },
): Promise<{ ok: true; lifted: number } | { ok: false; reason: "connection_not_found" }> {
  const connection = await repo.connections.findByName(input.connection);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  const email = normalizeEmail(input.email);
  // A full address names the count it falls under (an IPv6 one's /64); a listed key stays.
  const ip = input.ip === undefined ? undefined : countedIpOf(input.ip);
  const lifted = await repo.signInFailures.clear(connection.id, email, ip);
  await repo.audit.record({
    ...input.actor,
    action: "sign_in.unblocked",
    outcome: lifted > 0 ? "unblocked" : "not_blocked",
    targetEmail: email,
    connection: connection.name,
    details: { ip: ip ?? "all", count: lifted },
  });
  return { ok: true, lifted };
}

type Actor = { actorType: ActorType; actorId: string | null };

/**
 * The audit channel's Unblock button: lifts the block its `sign_in.blocked` message announced
 * (found by the block's id, so the button carries no email), audited as the staff member.
 */
export async function unblockAnnouncedBlock(
  repo: SignInBlockPorts & { auditPosts: Pick<AuditPostQueue, "findPosted"> },
  input: { blockId: string; actor: Actor },
): Promise<
  | { ok: true; lifted: number; email: string; connection: string; ip: string }
  | { ok: false; reason: "block_not_found" | "connection_not_found" }
> {
  const posted = await repo.auditPosts.findPosted("sign_in.blocked", input.blockId);
  const { targetEmail: email, connection, details } = posted?.record ?? {};
  const ip = details?.ip;
  if (!email || !connection || typeof ip !== "string")
    return { ok: false, reason: "block_not_found" };
  const result = await unblockSignIn(repo, { connection, email, ip, actor: input.actor });
  return result.ok ? { ...result, email, connection, ip } : result;
}
