import { Hono } from "hono";
import type { ClientStore } from "../../clients/ports.ts";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import { SIGNING_ALGORITHM } from "../../sign-in/key-ring.ts";
import { SUPPORTED_SCOPES } from "../../sign-in/scope.ts";
import { readUserInfo } from "../../sign-in/user-info.ts";
import { errorResponse } from "../errors.ts";
import { webOriginCors } from "../web-origin-cors.ts";
import { PASSWORD_REALM_GRANT } from "./parse-token-request.ts";

export interface OidcRouteDependencies {
  userInfo: Parameters<typeof readUserInfo>[0];
  clients: Pick<ClientStore, "list">;
  clock: Clock;
  logger: Logger;
  /** PUBLIC_URL, without the trailing slash. */
  publicUrl: string;
}

/** Bearer tokens are a few hundred bytes; a header far larger is not one. */
const MAX_AUTHORIZATION_CHARS = 8192;

/** OpenID Connect discovery, the public signing keys and `/userinfo`. */
export function createOidcRoutes(deps: OidcRouteDependencies): Hono {
  const route = new Hono();
  const { publicUrl } = deps;
  const metadata = {
    issuer: `${publicUrl}/`,
    token_endpoint: `${publicUrl}/oauth/token`,
    userinfo_endpoint: `${publicUrl}/userinfo`,
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    revocation_endpoint: `${publicUrl}/oauth/revoke`,
    scopes_supported: SUPPORTED_SCOPES,
    grant_types_supported: ["password", PASSWORD_REALM_GRANT, "refresh_token"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "none"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
    claims_supported: [
      "sub",
      "iss",
      "aud",
      "exp",
      "iat",
      "name",
      "nickname",
      "given_name",
      "family_name",
      "updated_at",
      "email",
      "email_verified",
    ],
  };
  const cors = webOriginCors(deps.clients, deps.clock, {
    allowMethods: ["GET", "OPTIONS"],
    allowHeaders: ["Authorization", "Auth0-Client"],
  });
  for (const path of ["/.well-known/openid-configuration", "/.well-known/jwks.json", "/userinfo"]) {
    route.use(path, cors);
  }
  route.get("/.well-known/openid-configuration", (c) =>
    c.json(metadata, 200, { "Cache-Control": "public, max-age=3600" }),
  );
  route.get("/.well-known/jwks.json", async (c) => {
    const keys = await deps.userInfo.keyRing.publicKeys();
    // Short: a rotated-in key must reach verifiers before tokens signed with it do.
    return c.json({ keys }, 200, { "Cache-Control": "public, max-age=60" });
  });
  route.get("/userinfo", async (c) => {
    const authorization = c.req.header("authorization") ?? "";
    const token = /^Bearer ([\w.~+/=-]+)$/i.exec(authorization)?.[1];
    const claims =
      token !== undefined && authorization.length <= MAX_AUTHORIZATION_CHARS
        ? await readUserInfo(deps.userInfo, token)
        : undefined;
    if (!claims) {
      const response = errorResponse(c, 401, "invalid_token", "Unauthorized");
      response.headers.set("WWW-Authenticate", 'Bearer error="invalid_token"');
      return response;
    }
    return c.json(claims, 200, { "Cache-Control": "no-store" });
  });
  return route;
}
