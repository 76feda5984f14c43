import { type Context, Hono } from "hono";
import type { ClientStore } from "../../clients/ports.ts";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import { type LimitRule, summarizeBuckets } from "../../password-reset/rate-limit.ts";
import { HasherBusyError } from "../../passwords/bounded-hasher.ts";
import type { RateLimitStore } from "../../rate-limits/ports.ts";
import {
  exchangeToken,
  type TokenExchangeDependencies,
  type TokenFailure,
} from "../../sign-in/exchange-token.ts";
import { limitApiBody, readApiFields } from "../api-body.ts";
import { clientIp } from "../client-ip.ts";
import { errorResponse } from "../errors.ts";
import { PUBLIC_API_CORS, webOriginCors } from "../web-origin-cors.ts";
import { parseTokenRequest } from "./parse-token-request.ts";

export const MAX_TOKEN_BODY_BYTES = 10 * 1024;

export interface TokenRouteDependencies {
  exchange: TokenExchangeDependencies;
  clients: Pick<ClientStore, "list">;
  rateLimits: Pick<RateLimitStore, "take">;
  /** Token requests per client IP, whatever their outcome: Argon2 work one IP can ask for. */
  perIp: LimitRule;
  clock: Clock;
  logger: Logger;
  trustedProxies: number;
}

/** Auth0's answers, by failure. */
const FAILURES: Record<TokenFailure, readonly [401 | 403 | 400 | 429, string, string]> = {
  invalid_client: [401, "access_denied", "Unauthorized"],
  unknown_audience: [403, "access_denied", "Service not found"],
  connection_not_found: [400, "invalid_request", "The connection does not exist."],
  wrong_credentials: [403, "invalid_grant", "Wrong email or password."],
  user_blocked: [401, "unauthorized", "user is blocked"],
  too_many_attempts: [
    429,
    "too_many_attempts",
    "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it.",
  ],
  ip_throttled: [
    429,
    "too_many_attempts",
    "We have detected suspicious login behavior and further attempts will be blocked. Please contact the administrator.",
  ],
  invalid_refresh_token: [403, "invalid_grant", "Unknown or invalid refresh token."],
};

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

/** Auth0's `POST /oauth/token`: password, password-realm and refresh-token grants. */
export function createTokenRoute(deps: TokenRouteDependencies): Hono {
  const route = new Hono();
  route.use("/oauth/token", webOriginCors(deps.clients, deps.clock, PUBLIC_API_CORS));
  route.post("/oauth/token", limitApiBody(MAX_TOKEN_BODY_BYTES), async (c) => {
    const fields = await readApiFields(c);
    if (fields instanceof Response) return fields;
    const parsed = parseTokenRequest(fields, c.req.header("authorization"));
    if (!parsed.ok) return errorResponse(c, parsed.status, parsed.error, parsed.description);
    const ip = clientIp(c, deps.trustedProxies);
    try {
      const at = deps.clock.now();
      const { burst, perMinute } = deps.perIp;
      const bucket = { key: `sign-in:ip:${ip}`, capacity: burst, perMinute };
      const limit = summarizeBuckets(await deps.rateLimits.take([bucket], at), at);
      if (!limit.allowed) {
        return refuse(
          c,
          429,
          "too_many_requests",
          "Too many requests. Please try again later.",
          limit.retryAfterSeconds,
        );
      }
      const outcome = await exchangeToken(deps.exchange, { ...parsed.value, ip });
      if (outcome.ok) return c.json(outcome.tokens, 200, NO_STORE);
      const [status, error, description] = FAILURES[outcome.reason];
      return refuse(c, status, error, description, outcome.retryAfterSeconds);
    } catch (error) {
      if (error instanceof HasherBusyError) {
        deps.logger.warn({ why: error.why }, "sign-in refused: password hashing busy");
        return refuse(
          c,
          503,
          "temporarily_unavailable",
          "The service is busy. Please try again.",
          error.retryAfterSeconds,
        );
      }
      deps.logger.error({ err: error }, "sign-in failed");
      return refuse(
        c,
        503,
        "temporarily_unavailable",
        "The service is temporarily unavailable. Please try again.",
      );
    }
  });
  return route;
}

function refuse(
  c: Context,
  status: 400 | 401 | 403 | 429 | 503,
  error: string,
  description: string,
  retryAfterSeconds?: number,
) {
  const response = errorResponse(c, status, error, description);
  for (const [name, value] of Object.entries(NO_STORE)) response.headers.set(name, value);
  if (retryAfterSeconds !== undefined)
    response.headers.set("Retry-After", String(retryAfterSeconds));
  return response;
}
