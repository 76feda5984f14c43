import type { ActorType } from "../audit/audit.ts";
import type { Clock } from "../clock.ts";
import type { ResetRequest } from "../db/reset-request-store.ts";
import type { Repository, Stores } from "../db/stores.ts";
import { CHANGE_PASSWORD_TEMPLATE } from "../db/template-store.ts";
import { isDatabaseConnection } from "../users/connection.ts";
import { createOpaqueId } from "./tokens.ts";

/** Why a request did or did not lead to an email; the first five send nothing. */
export type RequestOutcome =
  | "unknown_user"
  | "blocked"
  | "not_database_connection"
  | "connection_not_found"
  | "template_disabled"
  | "queued";

export interface ResolveDependencies {
  repo: Repository;
  clock: Clock;
}

const ACTOR_TYPES: Record<string, ActorType> = { api: "public", slack: "slack", cli: "cli" };

/** Decides one request and, when a user should get an email, puts it in the outbox. */
export async function resolveRequest(
  stores: Stores,
  request: ResetRequest,
  at: Date,
): Promise<RequestOutcome> {
  const { outcome, userId } = await decide(stores, request);
  if (outcome === "queued" && userId !== null) {
    const user = await stores.users.findById(userId);
    if (user) {
      await stores.outbox.enqueue(
        {
          messageRef: createOpaqueId("msg"),
          kind: "change_password",
          requestId: request.id,
          userId,
          toAddress: user.email,
        },
        at,
      );
    }
  }
  await stores.resetRequests.markProcessed(request.id, { status: outcome, userId, at });
  await stores.audit.record({
    actorType: ACTOR_TYPES[request.source] ?? "system",
    actorId: request.requestedBy?.userId ?? request.clientIp,
    action: "password_reset.requested",
    outcome,
    targetEmail: request.email,
    connection: request.connection,
    requestId: request.publicId,
    details: request.clientId ? { clientId: request.clientId } : {},
  });
  return outcome;
}

async function decide(
  stores: Stores,
  request: ResetRequest,
): Promise<{ outcome: RequestOutcome; userId: number | null }> {
  const connection = await stores.connections.findByName(request.connection);
  if (!connection) return { outcome: "connection_not_found", userId: null };
  if (!isDatabaseConnection(connection))
    return { outcome: "not_database_connection", userId: null };
  const user = await stores.users.findByEmail(connection.id, request.email);
  if (!user) return { outcome: "unknown_user", userId: null };
  if (user.blocked) return { outcome: "blocked", userId: user.id };
  const template = await stores.templates.get(CHANGE_PASSWORD_TEMPLATE);
  if (!template.enabled) return { outcome: "template_disabled", userId: user.id };
  return { outcome: "queued", userId: user.id };
}

/**
 * Resolves up to `batchSize` recorded requests in one transaction. Rows are claimed with
 * FOR UPDATE SKIP LOCKED, so any number of instances can run this at once.
 */
export async function resolvePendingRequests(
  { repo, clock }: ResolveDependencies,
  batchSize = 50,
): Promise<number> {
  return repo.transaction(async (stores) => {
    const requests = await stores.resetRequests.claimPending(batchSize);
    const at = clock.now();
    for (const request of requests) await resolveRequest(stores, request, at);
    return requests.length;
  });
}
