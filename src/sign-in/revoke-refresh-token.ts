import type { AuditLog } from "../audit/ports.ts";
import type { ClientStore } from "../clients/ports.ts";
import type { Clock } from "../clock.ts";
import { hashTicketToken } from "../secret-tokens.ts";
import { authenticateClient } from "./authenticate-client.ts";
import type { ClientCredentials } from "./exchange-token.ts";
import type { RefreshTokenStore } from "./ports.ts";

/**
 * Auth0's `POST /oauth/revoke` (RFC 7009): revokes the refresh token and every token rotated
 * from the same sign-in. A token that is unknown, or another client's, changes nothing and is
 * answered the same way; only a client that fails to authenticate is told.
 */
export async function revokeRefreshToken(
  deps: {
    stores: {
      clients: Pick<ClientStore, "findByClientId">;
      refreshTokens: Pick<RefreshTokenStore, "findByHash" | "revokeFamily">;
      audit: Pick<AuditLog, "record">;
    };
    clock: Clock;
  },
  request: ClientCredentials & { token: string; ip: string },
): Promise<{ ok: boolean }> {
  const { stores } = deps;
  const authenticated = await authenticateClient(stores.clients, request);
  if (!authenticated.ok) return { ok: false };
  const stored = await stores.refreshTokens.findByHash(hashTicketToken(request.token));
  if (!stored || stored.clientId !== request.clientId) return { ok: true };
  const revoked = await stores.refreshTokens.revokeFamily(
    stored.familyId,
    "revoked",
    deps.clock.now(),
  );
  if (revoked > 0) {
    await stores.audit.record({
      actorType: "public",
      actorId: request.ip,
      action: "refresh_token.revoked",
      outcome: "revoked",
      details: { logType: "srrt", clientId: request.clientId, revokedTokens: revoked },
    });
  }
  return { ok: true };
}
