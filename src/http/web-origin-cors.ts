import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { ClientStore } from "../clients/ports.ts";
import { createWebOriginCheck } from "../clients/web-origins.ts";
import type { Clock } from "../clock.ts";

export interface WebOriginCorsOptions {
  allowMethods?: string[];
  allowHeaders: string[];
  exposeHeaders?: string[];
}

/** What Auth0's browser SDK sends and reads on the public API's POST endpoints. */
export const PUBLIC_API_CORS: WebOriginCorsOptions = {
  allowHeaders: ["Content-Type", "Auth0-Client"],
  exposeHeaders: ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"],
};

/**
 * CORS for the origins that registered clients list (`passdesk clients add --origin`), so that
 * Auth0's browser SDK can call the public API from them; every other origin gets no CORS header.
 */
export function webOriginCors(
  clients: Pick<ClientStore, "list">,
  clock: Clock,
  options: WebOriginCorsOptions,
): MiddlewareHandler {
  const isListed = createWebOriginCheck(clients, clock);
  const isListedOrigin = async (origin: string) => {
    try {
      return await isListed(origin);
    } catch {
      return false;
    }
  };
  const corsHeaders = cors({
    // Only ever reached for a listed origin (below), echoed back.
    origin: (origin) => origin,
    allowMethods: options.allowMethods ?? ["POST", "OPTIONS"],
    allowHeaders: options.allowHeaders,
    exposeHeaders: options.exposeHeaders ?? [],
    maxAge: 600,
  });
  // Only browsers send Origin, and CORS headers mean nothing to anyone else. Skipping the
  // middleware matters under load: it sets headers before the handler runs, which turns the
  // handler's response into a full web Response that is then copied (a tenth of the CPU).
  // An origin no client lists gets no CORS header at all, preflight or not: hono's cors()
  // would still send Allow-Methods, Allow-Headers and Expose-Headers without Allow-Origin.
  return async function webOriginCorsHandler(c, next) {
    const origin = c.req.header("origin");
    if (origin === undefined) return next();
    if (await isListedOrigin(origin)) return corsHeaders(c, next);
    // A preflight is answered without permission, so the browser never sends the request.
    if (c.req.method === "OPTIONS") return c.body(null, 204, { Vary: "Origin" });
    // Set on the response the handler made, whichever way it made it (one returned as a Response
    // of its own would drop headers set before it).
    await next();
    c.res.headers.append("Vary", "Origin");
  };
}
