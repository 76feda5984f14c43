import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.ts";

/** Logs method, path and status. Never the query string: reset links carry their ticket there. */
export function accessLog(logger: Logger): MiddlewareHandler {
  return async function logAccess(c, next) {
    const started = performance.now();
    await next();
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMillis: Math.round(performance.now() - started),
      },
      "request",
    );
  };
}
