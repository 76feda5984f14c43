import type { AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import { hashTicketToken } from "../secret-tokens.ts";
import type { UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import type { RefreshTokenStore } from "./ports.ts";
import { grantScopes, type SupportedScope } from "./scope.ts";

export interface RefreshGrantDependencies {
  stores: {
    refreshTokens: Pick<RefreshTokenStore, "findByHash" | "markUsed" | "revokeFamily">;
    users: Pick<UserStore, "findById">;
    audit: Pick<AuditLog, "record">;
  };
  clock: Clock;
}

export type RefreshGrantOutcome =
  | { ok: true; user: User; scopes: SupportedScope[]; audience: string; familyId: string }
  | { ok: false; reason: "invalid_token" | "user_blocked" };

/**
 * Uses a refresh token once: it is marked used and the caller issues its successor in the same
 * family. A token presented after it was used (stolen and raced, or replayed) revokes the whole
 * family, so that neither the thief nor the user can go on with it.
 */
export async function useRefreshToken(
  deps: RefreshGrantDependencies,
  input: { token: string; clientId: string; ip: string },
): Promise<RefreshGrantOutcome> {
  const { stores } = deps;
  const at = deps.clock.now();
  const invalid = { ok: false, reason: "invalid_token" } as const;
  const stored = await stores.refreshTokens.findByHash(hashTicketToken(input.token));
  if (!stored || stored.clientId !== input.clientId || stored.revokedAt !== null) return invalid;
  if (stored.expiresAt <= at) return invalid;
  if (stored.usedAt !== null || !(await stores.refreshTokens.markUsed(stored.id, at))) {
    const revoked = await stores.refreshTokens.revokeFamily(stored.familyId, "reuse", at);
    const user = await stores.users.findById(stored.userId);
    await stores.audit.record({
      actorType: "public",
      actorId: input.ip,
      action: "refresh_token.reused",
      outcome: "family_revoked",
      targetEmail: user?.email ?? null,
      details: { logType: "ferrt", clientId: input.clientId, revokedTokens: revoked },
    });
    return invalid;
  }
  const user = await stores.users.findById(stored.userId);
  if (!user) return invalid;
  if (user.blocked) return { ok: false, reason: "user_blocked" };
  return {
    ok: true,
    user,
    scopes: grantScopes(stored.scope, { refreshTokens: true }),
    audience: stored.audience,
    familyId: stored.familyId,
  };
}
