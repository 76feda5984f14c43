import type { AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import type { RateLimitStore } from "../rate-limits/ports.ts";
import type { Transaction } from "../unit-of-work.ts";
import { type Connection, isDatabaseConnection } from "../users/connection.ts";
import { normalizeEmail } from "../users/email.ts";
import { ExternalStoreUnavailableError } from "../users/external-store.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { ResetRequestStore } from "./ports.ts";
import { type ResetLimits, summarizeBuckets, targetBucket } from "./rate-limit.ts";
import {
  type PrefetchedUsers,
  type RequestOutcome,
  type ResolvePorts,
  resolveRequest,
} from "./resolve-requests.ts";
import { createOpaqueId } from "./tokens.ts";

export type StaffResetResult =
  | { outcome: RequestOutcome; requestId: string; socialConnection?: string }
  | { outcome: "connection_not_found" }
  | { outcome: "rate_limited"; retryAfterSeconds: number };

/** A staff request is recorded and resolved in one transaction. */
export type StaffResetTransactionPorts = ResolvePorts & {
  resetRequests: Pick<ResetRequestStore, "record">;
};

/** What a staff reset reads, and the transaction that records and resolves it at once. */
export interface StaffResetPorts {
  connections: Pick<ConnectionStore, "findByName" | "findById">;
  users: Pick<UserStore, "findAllByEmail" | "findByEmails">;
  audit: Pick<AuditLog, "record">;
  rateLimits: Pick<RateLimitStore, "take">;
  transaction: Transaction<StaffResetTransactionPorts>;
}

export interface StaffResetDependencies {
  repo: StaffResetPorts;
  clock: Clock;
  limits: ResetLimits;
}

/**
 * A reset asked for by support staff. Unlike the public endpoint it answers truthfully (staff
 * are authorised to know) and at once: the request is recorded and resolved in one transaction,
 * then the email goes through the same outbox. A per-target limit stops mail-bombing a user.
 */
export async function requestStaffReset(
  { repo, clock, limits }: StaffResetDependencies,
  input: {
    email: string;
    connection: string;
    /** Slack team, user and the channel the command came from (to reach them later). */
    requestedBy: { teamId: string; userId: string; channelId?: string };
  },
): Promise<StaffResetResult> {
  const email = normalizeEmail(input.email);
  const actor = { actorType: "slack" as const, actorId: input.requestedBy.userId };
  const connection = await repo.connections.findByName(input.connection);
  if (!connection) {
    await repo.audit.record({
      ...actor,
      action: "password_reset.requested",
      outcome: "connection_not_found",
      targetEmail: email,
      connection: input.connection,
    });
    return { outcome: "connection_not_found" };
  }

  const now = clock.now();
  const limit = summarizeBuckets(
    await repo.rateLimits.take([targetBucket(limits, email)], now),
    now,
  );
  if (!limit.allowed) {
    await repo.audit.record({
      ...actor,
      action: "password_reset.requested",
      outcome: "rate_limited",
      targetEmail: email,
      connection: connection.name,
    });
    return { outcome: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };
  }

  const prefetched = await lookUpOutsideTransaction(repo, connection, email);
  const { outcome, requestId } = await repo.transaction(async (stores) => {
    const request = await stores.resetRequests.record({
      publicId: createOpaqueId("req"),
      email,
      connection: connection.name,
      clientId: null,
      organization: null,
      source: "slack",
      requestedBy: input.requestedBy,
      clientIp: null,
    });
    return {
      outcome: await resolveRequest(stores, request, now, prefetched),
      requestId: request.publicId,
    };
  });

  if (outcome === "unknown_user") {
    const elsewhere = await findSocialConnection(repo, email);
    if (elsewhere) return { outcome, requestId, socialConnection: elsewhere };
  }
  return { outcome, requestId };
}

/**
 * The user of a connection with an external store, asked before the transaction (see
 * prefetchExternalUsers); a store that cannot be asked leaves the request pending (`deferred`)
 * for the worker.
 */
async function lookUpOutsideTransaction(
  repo: Pick<StaffResetPorts, "users">,
  connection: Connection,
  email: string,
): Promise<PrefetchedUsers | undefined> {
  if (!connection.store || !isDatabaseConnection(connection)) return undefined;
  try {
    const found = await repo.users.findByEmails(connection.id, [email]);
    const users = new Map(found.map((user) => [user.email, user]));
    return new Map([[connection.name, { asked: new Set([email]), found: users }]]);
  } catch (error) {
    if (error instanceof ExternalStoreUnavailableError) return undefined;
    throw error;
  }
}

/** The name of a non-database connection where this email signs in, if any. */
async function findSocialConnection(
  repo: Pick<StaffResetPorts, "users" | "connections">,
  email: string,
): Promise<string | undefined> {
  for (const user of await repo.users.findAllByEmail(email)) {
    const connection = await repo.connections.findById(user.connectionId);
    if (connection && !isDatabaseConnection(connection)) return connection.name;
  }
  return undefined;
}
