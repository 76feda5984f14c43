import type { ClientStore } from "../clients/ports.ts";
import type { Transaction } from "../unit-of-work.ts";
import { authenticateClient } from "./authenticate-client.ts";
import { issueTokens, type TokenResponse, type TokenSettings } from "./issue-tokens.ts";
import type { KeyRing } from "./key-ring.ts";
import { type PasswordGrantDependencies, signInWithPassword } from "./password-grant.ts";
import type { ApiStore, RefreshTokenStore } from "./ports.ts";
import { type RefreshGrantDependencies, useRefreshToken } from "./refresh-grant.ts";
import { grantScopes } from "./scope.ts";

export interface ClientCredentials {
  clientId: string;
  clientSecret: string | null;
}

/** A `POST /oauth/token` request, validated. */
export type TokenRequest = ClientCredentials & { scope: string | null; audience: string | null } & (
    | { grantType: "password"; username: string; password: string; realm: string | null }
    | { grantType: "refresh_token"; refreshToken: string }
  );

export type TokenFailure =
  | "invalid_client"
  | "unknown_audience"
  | "connection_not_found"
  | "wrong_credentials"
  | "user_blocked"
  | "too_many_attempts"
  | "ip_throttled"
  | "invalid_refresh_token";

export type TokenExchangeOutcome =
  | { ok: true; tokens: TokenResponse }
  | { ok: false; reason: TokenFailure; retryAfterSeconds?: number | undefined };

type RefreshStores = RefreshGrantDependencies["stores"] & {
  refreshTokens: Pick<RefreshTokenStore, "add">;
};

export interface TokenExchangeDependencies extends Omit<PasswordGrantDependencies, "stores"> {
  stores: PasswordGrantDependencies["stores"] & {
    clients: Pick<ClientStore, "findByClientId">;
    apis: Pick<ApiStore, "findByIdentifier">;
    refreshTokens: Pick<RefreshTokenStore, "add">;
  };
  /** A refresh token is used and its successor stored together, or neither. */
  transaction: Transaction<RefreshStores>;
  keyRing: KeyRing;
  settings: TokenSettings;
  /** The connection of the `password` grant, which names none (`DEFAULT_CONNECTION`). */
  defaultConnection: string;
}

/** Auth0's token endpoint for the password, password-realm and refresh-token grants. */
export async function exchangeToken(
  deps: TokenExchangeDependencies,
  request: TokenRequest & { ip: string },
): Promise<TokenExchangeOutcome> {
  const { stores } = deps;
  const authenticated = await authenticateClient(stores.clients, request);
  if (!authenticated.ok) return { ok: false, reason: "invalid_client" };
  const { client } = authenticated;
  const at = deps.clock.now();
  const issue = (
    refreshTokens: Pick<RefreshTokenStore, "add">,
    grant: Omit<Parameters<typeof issueTokens>[1], "clientId" | "at">,
  ) =>
    issueTokens(
      { keyRing: deps.keyRing, refreshTokens, settings: deps.settings },
      { ...grant, clientId: client.clientId, at },
    );

  if (request.grantType === "refresh_token") {
    return deps.transaction(async (tx) => {
      const used = await useRefreshToken(
        { stores: tx, clock: deps.clock },
        { token: request.refreshToken, clientId: client.clientId, ip: request.ip },
      );
      if (!used.ok) {
        return {
          ok: false,
          reason: used.reason === "user_blocked" ? "user_blocked" : "invalid_refresh_token",
        } as const;
      }
      const tokens = await issue(tx.refreshTokens, { ...used, grantType: "refresh_token" });
      return { ok: true, tokens } as const;
    });
  }

  let audience = deps.settings.userinfoAudience;
  if (request.audience !== null && request.audience !== audience) {
    const api = await stores.apis.findByIdentifier(request.audience);
    if (!api) return { ok: false, reason: "unknown_audience" };
    audience = api.identifier;
  }
  const signedIn = await signInWithPassword(deps, {
    connection: request.realm ?? deps.defaultConnection,
    username: request.username,
    password: request.password,
    clientId: client.clientId,
    ip: request.ip,
  });
  if (!signedIn.ok) return signedIn;
  const scopes = grantScopes(request.scope, { refreshTokens: client.refreshTokens });
  const tokens = await issue(stores.refreshTokens, {
    user: signedIn.user,
    scopes,
    audience,
    grantType: "password",
  });
  return { ok: true, tokens };
}
