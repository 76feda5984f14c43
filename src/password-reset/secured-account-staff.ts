import type { ActorType, AuditEntry, AuditLog, AuditPostQueue } from "../audit/ports.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import { createTicketToken } from "../secret-tokens.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import { changeActorOf, createChangeEvent } from "../webhooks/events.ts";
import type { ChangeEventOutbox } from "../webhooks/ports.ts";
import { SECURED_ACTION } from "./secure-account.ts";
import {
  requestStaffReset,
  type StaffResetDependencies,
  type StaffResetResult,
} from "./staff-reset.ts";

type Actor = { actorType: ActorType; actorId: string | null };

/** The block lifted, its audit entry and the `user.unblocked` event, together. */
export interface SecuredAccountTransactionPorts {
  users: Pick<UserStore, "setBlocked" | "replacePasswordHash">;
  audit: Pick<AuditLog, "record">;
  changeEvents: Pick<ChangeEventOutbox, "publish">;
}

export interface SecuredAccountPorts {
  auditPosts: Pick<AuditPostQueue, "findPosted">;
  connections: Pick<ConnectionStore, "findByName">;
  users: Pick<UserStore, "findByEmail">;
  transaction: Transaction<SecuredAccountTransactionPorts>;
}

type Found = { user: User; connection: string };
type NotFound = { ok: false; reason: "not_found" | "external_store" };

/** The user a `user.secured` message announced (by the entry's id: the buttons carry no email). */
async function findSecuredUser(
  repo: Pick<SecuredAccountPorts, "auditPosts" | "connections" | "users">,
  securedId: string,
): Promise<Found | undefined> {
  const posted = await repo.auditPosts.findPosted(SECURED_ACTION, securedId);
  const { targetEmail: email, connection: name } = posted?.record ?? {};
  const connection = name ? await repo.connections.findByName(name) : undefined;
  const user = email && connection && (await repo.users.findByEmail(connection.id, email));
  return user && connection ? { user, connection: connection.name } : undefined;
}

/**
 * Lifts the block; with `unusableHash`, first makes the current password stop working (replaced
 * by the hash of a password nobody knows), in the same transaction, so that lifting the block
 * does not let whoever changed it back in.
 */
async function liftBlock(
  repo: Pick<SecuredAccountPorts, "transaction">,
  { user, connection }: Found,
  input: { actor: Actor; at: Date; unusableHash?: string },
): Promise<boolean> {
  return repo.transaction(async (stores) => {
    const invalidated =
      input.unusableHash !== undefined && user.passwordHash !== null
        ? await stores.users.replacePasswordHash(user.id, user.passwordHash, input.unusableHash)
        : false;
    const entry = {
      ...input.actor,
      action: "user.unblocked",
      outcome: user.blocked ? "unblocked" : "not_blocked",
      targetEmail: user.email,
      connection,
      details: {
        via: SECURED_ACTION,
        ...(input.unusableHash && { passwordInvalidated: invalidated }),
      },
    } satisfies AuditEntry;
    await stores.audit.record(entry);
    if (!user.blocked) return false;
    await stores.users.setBlocked(user.id, false);
    await stores.changeEvents.publish(
      createChangeEvent(
        "user.unblocked",
        { user, connection, by: changeActorOf(entry), block: "account" },
        input.at,
      ),
    );
    return true;
  });
}

/**
 * The Unblock button of a secured account's audit message: staff, having reached the user, lift
 * the block (audited as them, `user.unblocked` published). The user's password is unchanged: if
 * the change was not theirs, Send reset email is the button to use.
 */
export async function unblockSecuredAccount(
  repo: SecuredAccountPorts,
  input: { securedId: string; actor: Actor; at: Date },
): Promise<{ ok: true; email: string; connection: string; lifted: boolean } | NotFound> {
  const found = await findSecuredUser(repo, input.securedId);
  if (!found) return { ok: false, reason: "not_found" };
  if (found.user.externalId) return { ok: false, reason: "external_store" };
  const lifted = await liftBlock(repo, found, input);
  return { ok: true, email: found.user.email, connection: found.connection, lifted };
}

export interface SecuredAccountResetDependencies extends StaffResetDependencies {
  repo: StaffResetDependencies["repo"] & SecuredAccountPorts;
  hasher: PasswordHasher;
}

/**
 * The Send reset email button: the same staff reset as /reset-password, so the user sets a new
 * password. A blocked user is sent no reset email and cannot use a link, so the block is lifted
 * first (audited as the staff member) — and with it the password is made unusable (replaced by a
 * hash of a random one), so that whoever changed it cannot sign in in the meantime: only the
 * reset link gets the user back in.
 */
export async function resetSecuredAccount(
  deps: SecuredAccountResetDependencies,
  input: {
    securedId: string;
    requestedBy: { teamId: string; userId: string; channelId?: string };
  },
): Promise<
  | { ok: true; email: string; connection: string; unblocked: boolean; result: StaffResetResult }
  | NotFound
> {
  const found = await findSecuredUser(deps.repo, input.securedId);
  if (!found) return { ok: false, reason: "not_found" };
  const actor = { actorType: "slack", actorId: input.requestedBy.userId } as const;
  const blocked = found.user.blocked && !found.user.externalId;
  // Hashed before the transaction: Argon2 never runs while a connection is held.
  const unusableHash = blocked ? await deps.hasher.hash(createTicketToken()) : undefined;
  const unblocked =
    blocked &&
    unusableHash !== undefined &&
    (await liftBlock(deps.repo, found, { actor, at: deps.clock.now(), unusableHash }));
  const result = await requestStaffReset(deps, {
    email: found.user.email,
    connection: found.connection,
    requestedBy: input.requestedBy,
  });
  return { ok: true, email: found.user.email, connection: found.connection, unblocked, result };
}
