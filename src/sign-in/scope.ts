/** The OpenID Connect scopes Passdesk grants; any other requested scope is left out. */
export const SUPPORTED_SCOPES = ["openid", "profile", "email", "offline_access"] as const;
export type SupportedScope = (typeof SUPPORTED_SCOPES)[number];

/** What auth0.js and the Auth0 SDKs ask for when the application names no scope. */
export const DEFAULT_SCOPE = "openid profile email";

/**
 * The granted scopes of a requested `scope` string, in the order they were asked for:
 * supported ones only, each once; `offline_access` only for a client that may have refresh tokens.
 */
export function grantScopes(
  requested: string | null,
  options: { refreshTokens: boolean },
): SupportedScope[] {
  const granted = new Set<SupportedScope>();
  for (const scope of (requested ?? DEFAULT_SCOPE).split(" ")) {
    if (!(SUPPORTED_SCOPES as readonly string[]).includes(scope)) continue;
    if (scope === "offline_access" && !options.refreshTokens) continue;
    granted.add(scope as SupportedScope);
  }
  return [...granted];
}
