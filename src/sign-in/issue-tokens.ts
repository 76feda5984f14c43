import { SignJWT } from "jose";
import { createTicketToken, hashTicketToken } from "../secret-tokens.ts";
import { subjectOf, type User } from "../users/user.ts";
import { userClaims } from "./claims.ts";
import { type KeyRing, SIGNING_ALGORITHM } from "./key-ring.ts";
import type { RefreshTokenStore } from "./ports.ts";
import type { SupportedScope } from "./scope.ts";

export interface TokenSettings {
  /** `PUBLIC_URL` + `/`, as Auth0's issuer ends with a slash. */
  issuer: string;
  /** The access token's audience when no registered API is asked for: `PUBLIC_URL/userinfo`. */
  userinfoAudience: string;
  accessTokenLifetimeSeconds: number;
  idTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
}

export interface TokenGrant {
  user: User;
  clientId: string;
  scopes: readonly SupportedScope[];
  audience: string;
  /** `password` or `refresh_token`: Auth0's `gty` claim. */
  grantType: string;
  at: Date;
  /** The refresh token family to continue (a rotation); a new one otherwise. */
  familyId?: string;
}

/** Auth0's token response. */
export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  scope: string;
  expires_in: number;
  token_type: "Bearer";
}

/**
 * Signs the access token (and the id token with `openid`) with the current key and, with
 * `offline_access`, stores a new refresh token: only its hash, the token goes to the client.
 */
export async function issueTokens(
  deps: {
    keyRing: KeyRing;
    refreshTokens: Pick<RefreshTokenStore, "add">;
    settings: TokenSettings;
  },
  grant: TokenGrant,
): Promise<TokenResponse> {
  const { settings } = deps;
  const { kid, privateKey } = await deps.keyRing.signingKey();
  const issuedAt = Math.floor(grant.at.getTime() / 1000);
  const sign = (claims: Record<string, unknown>, audience: string | string[], lifetime: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: "JWT", kid })
      .setIssuer(settings.issuer)
      .setSubject(subjectOf(grant.user))
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetime)
      .sign(privateKey);

  const scope = grant.scopes.join(" ");
  // Auth0 lists /userinfo beside an API audience when openid lets the token read the profile.
  const audience =
    grant.audience !== settings.userinfoAudience && grant.scopes.includes("openid")
      ? [grant.audience, settings.userinfoAudience]
      : grant.audience;
  const response: TokenResponse = {
    access_token: await sign(
      { azp: grant.clientId, scope, gty: grant.grantType },
      audience,
      settings.accessTokenLifetimeSeconds,
    ),
    scope,
    expires_in: settings.accessTokenLifetimeSeconds,
    token_type: "Bearer",
  };
  if (grant.scopes.includes("openid")) {
    const { sub: _, ...claims } = userClaims(grant.user, grant.scopes);
    response.id_token = await sign(claims, grant.clientId, settings.idTokenLifetimeSeconds);
  }
  if (grant.scopes.includes("offline_access")) {
    const token = createTicketToken();
    await deps.refreshTokens.add({
      tokenHash: hashTicketToken(token),
      familyId: grant.familyId ?? createTicketToken(),
      userId: grant.user.id,
      clientId: grant.clientId,
      scope,
      audience: grant.audience,
      expiresAt: new Date(grant.at.getTime() + settings.refreshTokenLifetimeSeconds * 1000),
    });
    response.refresh_token = token;
  }
  return response;
}
