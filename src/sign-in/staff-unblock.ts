import type { ActorType, AuditEntry, AuditLog, AuditPostQueue } from "../audit/ports.ts";
import type { Transaction } from "../unit-of-work.ts";
import { normalizeEmail } from "../users/email.ts";
import { ExternalStoreUnavailableError } from "../users/external-store.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import { changeActorOf, createChangeEvent } from "../webhooks/events.ts";
import type { ChangeEventOutbox } from "../webhooks/ports.ts";
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
  users: Pick<UserStore, "findByEmail">;
  signInFailures: Pick<SignInFailureStore, "list">;
  /** The blocks lifted, the audit entry and the `user.unblocked` event, together. */
  transaction: Transaction<{
    signInFailures: Pick<SignInFailureStore, "clear">;
    audit: Pick<AuditLog, "record">;
    changeEvents: Pick<ChangeEventOutbox, "publish">;
  }>;
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
 * did it, even when there was nothing to lift. A known user's lifted block publishes
 * `user.unblocked`; blocks of unknown identifiers (counted alike, see brute-force.ts) do not.
 */
export async function unblockSignIn(
  repo: SignInBlockPorts,
  input: {
    connection: string;
    email: string;
    ip?: string;
    actor: Actor;
    at: Date;
  },
): Promise<{ ok: true; lifted: number } | { ok: false; reason: "connection_not_found" }> {
  const connection = await repo.connections.findByName(input.connection);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  const email = normalizeEmail(input.email);
  // A full address names the count it falls under (an IPv6 one's /64); a listed key stays.
  const ip = input.ip === undefined ? undefined : countedIpOf(input.ip);
  const user = await findUserIfReachable(repo, connection.id, email);
  const lifted = await repo.transaction(async (stores) => {
    const lifted = await stores.signInFailures.clear(connection.id, email, ip);
    const entry = {
      ...input.actor,
      action: "sign_in.unblocked",
      outcome: lifted > 0 ? "unblocked" : "not_blocked",
      targetEmail: email,
      connection: connection.name,
      details: { ip: ip ?? "all", count: lifted },
    } satisfies AuditEntry;
    await stores.audit.record(entry);
    if (lifted > 0 && user) {
      const by = changeActorOf(entry);
      await stores.changeEvents.publish(
        createChangeEvent(
          "user.unblocked",
          { user, connection: connection.name, by, block: "sign_in" },
          input.at,
        ),
      );
    }
    return lifted;
  });
  return { ok: true, lifted };
}

/**
 * The user behind an identifier, when their store answers: a store that is down must not stop
 * staff lifting a block (it may be why sign-ins failed). Its event is then not published.
 */
async function findUserIfReachable(
  repo: Pick<SignInBlockPorts, "users">,
  connectionId: number,
  email: string,
): Promise<User | undefined> {
  try {
    return await repo.users.findByEmail(connectionId, email);
  } catch (error) {
    if (error instanceof ExternalStoreUnavailableError) return undefined;
    throw error;
  }
}

type Actor = { actorType: ActorType; actorId: string | null };

/**
 * The audit channel's Unblock button: lifts the block its `sign_in.blocked` message announced
 * (found by the block's id, so the button carries no email), audited as the staff member.
 */
export async function unblockAnnouncedBlock(
  repo: SignInBlockPorts & { auditPosts: Pick<AuditPostQueue, "findPosted"> },
  input: { blockId: string; actor: Actor; at: Date },
): Promise<
  | { ok: true; lifted: number; email: string; connection: string; ip: string }
  | { ok: false; reason: "block_not_found" | "connection_not_found" }
> {
  const posted = await repo.auditPosts.findPosted("sign_in.blocked", input.blockId);
  const { targetEmail: email, connection, details } = posted?.record ?? {};
  const ip = details?.ip;
  if (!email || !connection || typeof ip !== "string")
    return { ok: false, reason: "block_not_found" };
  const result = await unblockSignIn(repo, {
    connection,
    email,
    ip,
    actor: input.actor,
    at: input.at,
  });
  return result.ok ? { ...result, email, connection, ip } : result;
}
