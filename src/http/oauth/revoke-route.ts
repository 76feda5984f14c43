import { Hono } from "hono";
import type { ClientStore } from "../../clients/ports.ts";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import { revokeRefreshToken } from "../../sign-in/revoke-refresh-token.ts";
import { findIllFormedText } from "../../well-formed-text.ts";
import { limitApiBody, readApiFields } from "../api-body.ts";
import { clientIp } from "../client-ip.ts";
import { errorResponse } from "../errors.ts";
import { PUBLIC_API_CORS, webOriginCors } from "../web-origin-cors.ts";
import { readClientCredentials } from "./parse-token-request.ts";
import { MAX_TOKEN_BODY_BYTES } from "./token-route.ts";

export interface RevokeRouteDependencies {
  revoke: Parameters<typeof revokeRefreshToken>[0];
  clients: Pick<ClientStore, "list">;
  clock: Clock;
  logger: Logger;
  trustedProxies: number;
}

/** Auth0's `POST /oauth/revoke` for refresh tokens: 200 with an empty body, as Auth0 answers. */
export function createRevokeRoute(deps: RevokeRouteDependencies): Hono {
  const route = new Hono();
  route.use("/oauth/revoke", webOriginCors(deps.clients, deps.clock, PUBLIC_API_CORS));
  route.post("/oauth/revoke", limitApiBody(MAX_TOKEN_BODY_BYTES), async (c) => {
    const fields = await readApiFields(c);
    if (fields instanceof Response) return fields;
    if (findIllFormedText(fields) !== undefined) {
      return errorResponse(
        c,
        400,
        "invalid_request",
        "The request body must be well-formed Unicode.",
      );
    }
    const credentials = readClientCredentials(fields, c.req.header("authorization"));
    if (!credentials.ok) {
      return errorResponse(c, credentials.status, credentials.error, credentials.description);
    }
    const { token } = fields;
    if (typeof token !== "string" || token === "" || token.length > 256) {
      return errorResponse(c, 400, "invalid_request", "Missing required parameter: token");
    }
    try {
      const revoked = await revokeRefreshToken(deps.revoke, {
        ...credentials.value,
        token,
        ip: clientIp(c, deps.trustedProxies),
      });
      if (!revoked.ok) return errorResponse(c, 401, "access_denied", "Unauthorized");
      return c.body(null, 200, { "Cache-Control": "no-store" });
    } catch (error) {
      deps.logger.error({ err: error }, "refresh token revocation failed");
      return errorResponse(
        c,
        503,
        "temporarily_unavailable",
        "The service is temporarily unavailable. Please try again.",
      );
    }
  });
  return route;
}
