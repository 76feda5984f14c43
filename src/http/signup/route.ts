import { type Context, Hono } from "hono";
import type { ClientStore } from "../../clients/ports.ts";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../logger.ts";
import { HasherBusyError } from "../../passwords/bounded-hasher.ts";
import type { PasswordHasher } from "../../passwords/hasher.ts";
import type { SignUpLimits } from "../../sign-up/rate-limit.ts";
import {
  type SignUpDependencies,
  type SignUpRefusal,
  type SignUpResult,
  signUp,
} from "../../sign-up/sign-up.ts";
import type { User } from "../../users/user.ts";
import { limitApiBody, readApiFields } from "../api-body.ts";
import { clientIp } from "../client-ip.ts";
import { errorResponse } from "../errors.ts";
import { setRateLimitHeaders } from "../rate-limit-headers.ts";
import { PUBLIC_API_CORS, webOriginCors } from "../web-origin-cors.ts";
import { parseSignUpBody } from "./parse-body.ts";
import { describeInvalidPassword } from "./password-error.ts";

const PATH = "/dbconnections/signup";
// Ten metadata properties of 100 + 500 characters, escaped, and the profile fit with room.
const MAX_BODY_BYTES = 16 * 1024;

export interface SignUpRouteDependencies {
  repo: SignUpDependencies["stores"] & {
    clients: Pick<ClientStore, "list">;
    transaction: SignUpDependencies["transaction"];
  };
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  limits: SignUpLimits;
  trustedProxies: number;
}

// Auth0's answers. A closed signup is answered as Auth0 did when asked (auth0/auth0.js#356 and
// #679): 400 with only `error`. The connection and client answers are change_password's.
const REFUSALS: Record<SignUpRefusal, [400, Record<string, unknown>]> = {
  user_exists: [
    400,
    {
      name: "BadRequestError",
      code: "user_exists",
      description: "The user already exists.",
      statusCode: 400,
    },
  ],
  signup_closed: [400, { error: "public signup is disabled" }],
  connection_not_found: [
    400,
    { error: "connection_not_found", error_description: "The connection does not exist." },
  ],
  not_database_connection: [
    400,
    {
      error: "invalid_request",
      error_description: "signup is only available for database connections",
    },
  ],
  invalid_client: [400, { error: "invalid_client", error_description: "Unknown client." }],
};

/** Auth0's success body: the id, the email, and the profile fields the user gave, no others. */
function describeUser(user: User): Record<string, unknown> {
  return {
    _id: String(user.id),
    email_verified: user.emailVerified,
    email: user.email,
    ...(user.username !== null && { username: user.username }),
    ...(user.givenName !== null && { given_name: user.givenName }),
    ...(user.familyName !== null && { family_name: user.familyName }),
    ...(user.name !== null && { name: user.name }),
    ...(user.nickname !== null && { nickname: user.nickname }),
    ...(user.picture !== null && { picture: user.picture }),
    ...(Object.keys(user.userMetadata).length > 0 && { user_metadata: user.userMetadata }),
  };
}

/** Auth0's `POST /dbconnections/signup`, wire-compatible with node-auth0 and auth0-js. */
export function createSignUpRoute(deps: SignUpRouteDependencies): Hono {
  const route = new Hono();
  const { repo } = deps;
  const signUpDeps: SignUpDependencies = {
    stores: repo,
    transaction: (work) => repo.transaction(work),
    hasher: deps.hasher,
    clock: deps.clock,
    limits: deps.limits,
  };
  route.use(PATH, webOriginCors(repo.clients, deps.clock, PUBLIC_API_CORS));

  route.post(PATH, limitApiBody(MAX_BODY_BYTES), async (c) => {
    const fields = await readApiFields(c);
    if (fields instanceof Response) return fields;
    const parsed = parseSignUpBody(fields);
    if (!parsed.ok) return errorResponse(c, parsed.status, parsed.error, parsed.description);
    let result: SignUpResult;
    try {
      result = await signUp(signUpDeps, {
        ...parsed.body,
        clientIp: clientIp(c, deps.trustedProxies),
      });
    } catch (error) {
      return unavailable(c, error);
    }
    return respond(c, result, parsed.body.password);
  });
  return route;

  function unavailable(c: Context, error: unknown) {
    const busy = error instanceof HasherBusyError;
    if (busy) deps.logger.warn({ why: error.why }, "signup refused: password hashing busy");
    else deps.logger.error({ err: error }, "signup failed");
    const response = errorResponse(
      c,
      503,
      "temporarily_unavailable",
      "The service is temporarily unavailable. Please try again.",
    );
    if (busy) response.headers.set("Retry-After", String(error.retryAfterSeconds));
    return response;
  }
}

function respond(c: Context, result: SignUpResult, password: string) {
  if (result.ok) {
    const response = c.json(describeUser(result.user), 200, { "Cache-Control": "no-store" });
    setRateLimitHeaders(response.headers, result.rateLimit);
    return response;
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
  if (result.reason === "invalid_password") {
    return c.json(describeInvalidPassword(result.rules, result.policy, password), 400);
  }
  const [status, body] = REFUSALS[result.reason];
  return c.json(body, status);
}
