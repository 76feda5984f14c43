import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import { type PeriodicJob, startPeriodicJob } from "../jobs/periodic-job.ts";
import type { Logger } from "../logger.ts";
import type { Transaction } from "../unit-of-work.ts";
import type { Connection } from "../users/connection.ts";
import { ExternalStoreUnavailableError } from "../users/external-store.ts";
import { type ExternalStoreRegistry, toProfile } from "../users/linked-user-store.ts";
import type { UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import { changeActorOf } from "../webhooks/events.ts";
import { type PasswordChangePorts, storeNewPassword } from "./new-password.ts";
import {
  type PasswordChangedNoticePorts,
  queuePasswordChangedNotice,
} from "./password-changed-notice.ts";
import type { TicketStore } from "./ports.ts";
import { createOpaqueId } from "./tokens.ts";

/*
 * A password change that spans two systems: the organisation's store (the password) and
 * Passdesk's database (the ticket, history, audit). It is claimed, sent, then marked:
 *   1. claim: one INSERT, guarded by the ticket being usable and by one claim per ticket, records
 *      the change with a lease, the new password sealed under the key-encryption key, and the
 *      audit entry it will write;
 *   2. send: the store is told the new password with the claim's idempotency key;
 *   3. finish: one transaction marks the claim done (only once: a guarded UPDATE), the ticket
 *      used, adds the history and writes the audit entry. A store that refused or never answered
 *      releases the claim instead: nothing changed and the link works again.
 * A process that dies between 2 and 3 leaves a claim whose lease lapses; recovery (any instance)
 * sends the same change again with the same key (the store applies it once) and finishes it.
 * So a ticket is used if and only if the store confirmed its password, once.
 */

/** How long a claim is its owner's: longer than every attempt and retry of one send. */
export const EXTERNAL_CHANGE_LEASE_MILLIS = 60_000;

/** What a finished change records, kept with the claim so that recovery can write it too. */
export interface ExternalChangeOutcome {
  audit: AuditEntry;
  /**
   * Whether the user gets a password-changed notice: always for their own change on the reset
   * page, an admin's choice for theirs. Who changed it is the audit entry's actor.
   */
  notify: boolean;
}

export interface NewExternalChange {
  userId: number;
  ticketId: number | null;
  idempotencyKey: string;
  leaseUntil: Date;
  sealedPassword: string;
  historyHash: string;
  outcome: ExternalChangeOutcome;
}

export interface ExternalChange extends NewExternalChange {
  id: number;
  attempts: number;
}

export interface ExternalChangeStore {
  /**
   * Records a claimed change; undefined when its ticket is no longer usable at `at` (used,
   * revoked, expired) or another change of it is claimed.
   */
  claim(change: NewExternalChange, at: Date): Promise<ExternalChange | undefined>;
  /** claimed → done, forgetting the sealed password; undefined when it was not claimed. */
  finish(id: number, at: Date): Promise<ExternalChange | undefined>;
  /**
   * claimed → released: nothing changed; false when it was not claimed, or no longer under the
   * lease `leaseUntil` its caller holds (recovery took it over: that one decides now).
   */
  release(id: number, at: Date, leaseUntil: Date): Promise<boolean>;
  /** Claims whose lease lapsed before `at`, taken over until `leaseUntil` (attempts + 1). */
  takeOverLapsed(at: Date, leaseUntil: Date, limit: number): Promise<ExternalChange[]>;
}

/** Seals the new password while it is claimed (AES-256-GCM under the key-encryption key). */
export interface PasswordSeal {
  seal(password: string): string;
  open(sealed: string): string;
}

/** What the composition root gives the flows that may change an external password. */
export interface ExternalChangeWiring {
  stores: ExternalStoreRegistry;
  seal: PasswordSeal;
  /** How long a claim is its owner's; EXTERNAL_CHANGE_LEASE_MILLIS by default. */
  leaseMillis?: number;
  /** Tests stop here to play a process that died between the store's write and the finish. */
  afterStoreWrite?: () => Promise<void>;
}

export interface ExternalChangeDependencies extends ExternalChangeWiring {
  repo: {
    externalChanges: Pick<ExternalChangeStore, "claim" | "release">;
    transaction: Transaction<ExternalFinishPorts>;
  };
  clock: Clock;
}

export interface ExternalFinishPorts extends PasswordChangePorts, PasswordChangedNoticePorts {
  externalChanges: Pick<ExternalChangeStore, "finish">;
  tickets: Pick<TicketStore, "revokeUnusedForUser" | "markUsed">;
  audit: Pick<AuditLog, "record">;
}

export type ExternalChangeResult =
  | { ok: true }
  /**
   * `claimed`: the ticket is used, revoked, expired, or another submission holds it.
   * `store_unavailable`: the store applied nothing; the ticket works again.
   * `store_unconfirmed`: the store may have applied it; recovery sends it again with the same
   * idempotency key and finishes it within about two leases.
   */
  | {
      ok: false;
      reason: "claimed" | "store_unavailable" | "store_unconfirmed" | "user_not_found";
    };

/** Sets `password` in the user's external store, exactly once, and records it (see above). */
export async function changeExternalPassword(
  deps: ExternalChangeDependencies,
  change: {
    user: User;
    connection: Connection;
    password: string;
    historyHash: string;
    ticketId: number | null;
    outcome: ExternalChangeOutcome;
  },
): Promise<ExternalChangeResult> {
  const at = deps.clock.now();
  const claim = await deps.repo.externalChanges.claim(
    {
      userId: change.user.id,
      ticketId: change.ticketId,
      idempotencyKey: createOpaqueId("pwc"),
      leaseUntil: new Date(at.getTime() + (deps.leaseMillis ?? EXTERNAL_CHANGE_LEASE_MILLIS)),
      sealedPassword: deps.seal.seal(change.password),
      historyHash: change.historyHash,
      outcome: change.outcome,
    },
    at,
  );
  if (!claim) return { ok: false, reason: "claimed" };
  let sent: "changed" | "not_found";
  try {
    sent = await deps.stores.storeFor(change.connection).changePassword(toProfile(change.user), {
      password: change.password,
      idempotencyKey: claim.idempotencyKey,
    });
  } catch (error) {
    if (!(error instanceof ExternalStoreUnavailableError)) throw error;
    // The store may have applied it: the claim stays, and recovery confirms it (same key).
    if (error.outcomeUnknown) return { ok: false, reason: "store_unconfirmed" };
    await deps.repo.externalChanges.release(claim.id, deps.clock.now(), claim.leaseUntil);
    return { ok: false, reason: "store_unavailable" };
  }
  if (sent === "not_found") {
    await deps.repo.externalChanges.release(claim.id, deps.clock.now(), claim.leaseUntil);
    return { ok: false, reason: "user_not_found" };
  }
  await deps.afterStoreWrite?.();
  await finishExternalChange(deps, claim, change.user, change.connection.name, false);
  return { ok: true };
}

/**
 * Marks a change the store confirmed: done, its ticket used, the history, other links, refresh
 * tokens and sign-in blocks ended, the notice queued and the audit entry written, together.
 * A change another instance finished first is left as it is.
 */
async function finishExternalChange(
  deps: { repo: { transaction: Transaction<ExternalFinishPorts> }; clock: Clock },
  claim: ExternalChange,
  user: Pick<User, "id" | "connectionId" | "email">,
  connection: string,
  recovered: boolean,
): Promise<boolean> {
  return deps.repo.transaction(async (stores) => {
    const at = deps.clock.now();
    if (!(await stores.externalChanges.finish(claim.id, at))) return false;
    if (claim.ticketId !== null) await stores.tickets.markUsed(claim.ticketId, at);
    const effects = await storeNewPassword(stores, user, claim.historyHash, at, {
      connection,
      by: changeActorOf(claim.outcome.audit),
    });
    const { audit } = claim.outcome;
    if (claim.outcome.notify) {
      const changedBy = audit.actorType === "user" ? "user" : "admin";
      await queuePasswordChangedNotice(stores, user, changedBy, at);
    }
    await stores.audit.record({
      ...audit,
      details: { ...audit.details, ...effects, ...(recovered && { recovered: true }) },
    });
    return true;
  });
}

export interface RecoveryDependencies {
  repo: {
    externalChanges: Pick<ExternalChangeStore, "takeOverLapsed" | "release">;
    users: Pick<UserStore, "findById">;
    connections: { findById(id: number): Promise<Connection | undefined> };
    transaction: Transaction<ExternalFinishPorts>;
  };
  stores: ExternalStoreRegistry;
  seal: PasswordSeal;
  clock: Clock;
  logger: Logger;
  leaseMillis?: number;
}

/**
 * Finishes the changes whose owner died: sends each again with its idempotency key and marks it.
 * A store still unavailable keeps the claim for the next round (its ticket stays claimed: it
 * may already have changed); a user the store no longer has releases it.
 */
export async function recoverExternalChanges(
  deps: RecoveryDependencies,
  limit = 20,
): Promise<{ finished: number; released: number; pending: number }> {
  const now = deps.clock.now();
  const lapsed = await deps.repo.externalChanges.takeOverLapsed(
    now,
    new Date(now.getTime() + (deps.leaseMillis ?? EXTERNAL_CHANGE_LEASE_MILLIS)),
    limit,
  );
  const counts = { finished: 0, released: 0, pending: 0 };
  for (const claim of lapsed) {
    const outcome = await recoverOne(deps, claim);
    counts[outcome] += 1;
  }
  return counts;
}

async function recoverOne(
  deps: RecoveryDependencies,
  claim: ExternalChange,
): Promise<"finished" | "released" | "pending"> {
  try {
    const user = await deps.repo.users.findById(claim.userId);
    const connection = user && (await deps.repo.connections.findById(user.connectionId));
    if (!user || !connection?.store) {
      await deps.repo.externalChanges.release(claim.id, deps.clock.now(), claim.leaseUntil);
      return "released";
    }
    const sent = await deps.stores.storeFor(connection).changePassword(toProfile(user), {
      password: deps.seal.open(claim.sealedPassword),
      idempotencyKey: claim.idempotencyKey,
    });
    if (sent === "not_found") {
      await deps.repo.externalChanges.release(claim.id, deps.clock.now(), claim.leaseUntil);
      return "released";
    }
    await finishExternalChange(deps, claim, user, connection.name, true);
    return "finished";
  } catch (error) {
    if (!(error instanceof ExternalStoreUnavailableError)) throw error;
    deps.logger.warn(
      { changeId: claim.id, attempts: claim.attempts, why: error.why },
      "an unfinished password change waits for its user store",
    );
    return "pending";
  }
}

export type ExternalChangeRecovery = PeriodicJob;

/** Runs recoverExternalChanges at jittered intervals; every instance may (SKIP LOCKED). */
export function startExternalChangeRecovery(
  deps: RecoveryDependencies & { intervalMillis?: number },
): ExternalChangeRecovery {
  return startPeriodicJob(
    async () => {
      const counts = await recoverExternalChanges(deps);
      if (counts.finished + counts.released > 0) {
        deps.logger.info(counts, "finished password changes whose process stopped midway");
      }
    },
    { logger: deps.logger, intervalMillis: deps.intervalMillis ?? 15_000, jitter: 0.5 },
  );
}
