import type { AuditLog } from "../audit/ports.ts";
import type { ClientStore } from "../clients/ports.ts";
import type { Clock } from "../clock.ts";
import { isDatabaseConnection } from "../users/connection.ts";
import { normalizeEmail } from "../users/email.ts";
import type { ConnectionStore } from "../users/ports.ts";
import type { ResetRequestStore } from "./ports.ts";
import {
  type RateLimitStatus,
  type ResetLimits,
  resetRequestBuckets,
  summarizeBuckets,
} from "./rate-limit.ts";
import { createOpaqueId } from "./tokens.ts";

export interface PublicResetInput {
  /** Already checked for shape by the edge. */
  email: string;
  connection: string;
  clientId: string | null;
  organization: string | null;
  clientIp: string;
}

export type PublicResetResult =
  | { ok: true; requestId: string; rateLimit: RateLimitStatus }
  | { ok: false; reason: "connection_not_found" | "not_database_connection" | "invalid_client" }
  | { ok: false; reason: "rate_limited"; rateLimit: RateLimitStatus };

export interface RequestResetDependencies {
  stores: {
    connections: Pick<ConnectionStore, "findByName">;
    clients: Pick<ClientStore, "findByClientId">;
    resetRequests: Pick<ResetRequestStore, "recordIfAllowed">;
    audit: Pick<AuditLog, "record">;
  };
  clock: Clock;
  limits: ResetLimits;
}

/**
 * Records a reset request from the public API. Whether the email belongs to anyone is decided
 * later by the worker: every step here does the same work for known and unknown addresses, so
 * the answer's status, body and timing reveal nothing about who has an account.
 */
export async function requestPasswordReset(
  { stores, clock, limits }: RequestResetDependencies,
  input: PublicResetInput,
): Promise<PublicResetResult> {
  const connection = await stores.connections.findByName(input.connection);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  if (!isDatabaseConnection(connection)) return { ok: false, reason: "not_database_connection" };
  if (input.clientId !== null && !(await stores.clients.findByClientId(input.clientId))) {
    return { ok: false, reason: "invalid_client" };
  }

  const email = normalizeEmail(input.email);
  const now = clock.now();
  const publicId = createOpaqueId("req");
  const { buckets, recorded } = await stores.resetRequests.recordIfAllowed(
    {
      publicId,
      email,
      connection: connection.name,
      clientId: input.clientId,
      organization: input.organization,
      source: "api",
      requestedBy: null,
      clientIp: input.clientIp,
    },
    resetRequestBuckets(limits, input.clientIp, email),
    now,
  );
  const rateLimit = summarizeBuckets(buckets, now);
  if (recorded) return { ok: true, requestId: publicId, rateLimit };

  await stores.audit.record({
    actorType: "public",
    actorId: input.clientIp,
    action: "password_reset.requested",
    outcome: "rate_limited",
    targetEmail: email,
    connection: connection.name,
  });
  return { ok: false, reason: "rate_limited", rateLimit };
}
