import { Hono } from "hono";
import type { ClientStore } from "../../clients/ports.ts";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import type { ResetLimits } from "../../password-reset/rate-limit.ts";
import {
  type RequestResetDependencies,
  requestPasswordReset,
} from "../../password-reset/request-reset.ts";
import { limitApiBody, readApiFields } from "../api-body.ts";
import { clientIp } from "../client-ip.ts";
import { errorResponse } from "../errors.ts";
import { setRateLimitHeaders } from "../rate-limit-headers.ts";
import { PUBLIC_API_CORS, webOriginCors } from "../web-origin-cors.ts";
import { parseChangePasswordBody } from "./parse-body.ts";

export const SUCCESS_MESSAGE = "We've just sent you an email to reset your password.";
const MAX_BODY_BYTES = 10 * 1024;

export interface ChangePasswordRouteDependencies {
  repo: RequestResetDependencies["stores"] & { clients: Pick<ClientStore, "list"> };
  clock: Clock;
  logger: Logger;
  limits: ResetLimits;
  trustedProxies: number;
}

const REASONS = {
  connection_not_found: [400, "connection_not_found", "The connection does not exist."],
  not_database_connection: [
    400,
    "invalid_request",
    "password changes are only available for database connections",
  ],
  invalid_client: [400, "invalid_client", "Unknown client."],
} as const;

/** Auth0's `POST /dbconnections/change_password`, wire-compatible with its SDKs. */
export function createChangePasswordRoute(deps: ChangePasswordRouteDependencies): Hono {
  const route = new Hono();
  const stores = deps.repo;
  route.use(
    "/dbconnections/change_password",
    webOriginCors(deps.repo.clients, deps.clock, PUBLIC_API_CORS),
  );

  route.post("/dbconnections/change_password", limitApiBody(MAX_BODY_BYTES), async (c) => {
    const fields = await readApiFields(c);
    if (fields instanceof Response) return fields;
    const parsed = parseChangePasswordBody(fields);
    if (!parsed.ok) return errorResponse(c, parsed.status, parsed.error, parsed.description);

    let result: Awaited<ReturnType<typeof requestPasswordReset>>;
    try {
      result = await requestPasswordReset(
        { stores, clock: deps.clock, limits: deps.limits },
        { ...parsed.body, clientIp: clientIp(c, deps.trustedProxies) },
      );
    } catch (error) {
      // A 200 promises a stored request; without the database there is nothing to promise.
      deps.logger.error({ err: error }, "reset request not recorded");
      return errorResponse(
        c,
        503,
        "temporarily_unavailable",
        "The service is temporarily unavailable. Please try again.",
      );
    }

    // A stored request waits for the worker's next pass: waking it from here would start the
    // extra work a known address costs right after this answer (see startWorker).
    if (result.ok) {
      // Auth0's exact answer, lower-case charset included: some SDKs compare the header verbatim.
      // A Response of its own with plain headers: c.body() turns more than one header into a web
      // Headers object, which @hono/node-server then copies back into a plain one, and this is
      // the endpoint's every answer.
      return new Response(SUCCESS_MESSAGE, {
        status: 200,
        headers: {
          "Content-Type": "text/html; charset=utf-8",
          "X-RateLimit-Limit": String(result.rateLimit.limit),
          "X-RateLimit-Remaining": String(result.rateLimit.remaining),
          "X-RateLimit-Reset": String(result.rateLimit.resetAt),
          "Cache-Control": "no-store",
        },
      });
    }
    if (result.reason === "rate_limited") {
      const response = errorResponse(
        c,
        429,
        "too_many_requests",
        "Too many requests. Please try again later.",
      );
      setRateLimitHeaders(response.headers, result.rateLimit);
      return response;
    }
    const [status, error, description] = REASONS[result.reason];
    return errorResponse(c, status, error, description);
  });
  return route;
}
