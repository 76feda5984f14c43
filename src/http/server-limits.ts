import type { Server, ServerOptions } from "node:http";
import type { Logger } from "../logger.ts";

export interface ServerLimits {
  /** Time to receive a request's headers (Node's default: 60 s). */
  headersTimeoutMillis: number;
  /** Time to receive a whole request, headers and body (Node's default: 300 s). */
  requestTimeoutMillis: number;
  /** How long an idle keep-alive connection is kept (and holds one of maxConnections). */
  keepAliveTimeoutMillis: number;
  /** Open connections at most; further ones are closed as soon as they are accepted. */
  maxConnections: number;
}

/** At most this late, Node notices that a request ran out of time (its default is 30 s). */
const MAX_CHECK_INTERVAL_MILLIS = 1_000;
const DROP_WARNING_INTERVAL_MILLIS = 60_000;

/**
 * Options for `http.createServer`. Node checks its header and request timeouts only every
 * `connectionsCheckingInterval`: with the default 30 s, a 10 s timeout could hold a trickling
 * client for 40 s. Checking four times per shortest timeout (at most once a second) keeps the
 * overshoot to a quarter of it; each check walks the open connections, at most maxConnections.
 */
export function createServerOptions(limits: ServerLimits): ServerOptions {
  const shortest = Math.min(limits.headersTimeoutMillis, limits.requestTimeoutMillis);
  return {
    headersTimeout: limits.headersTimeoutMillis,
    requestTimeout: limits.requestTimeoutMillis,
    keepAliveTimeout: limits.keepAliveTimeoutMillis,
    connectionsCheckingInterval: Math.max(
      1,
      Math.min(MAX_CHECK_INTERVAL_MILLIS, Math.ceil(shortest / 4)),
    ),
  };
}

/**
 * Bounds the open connections. Node closes a connection over the bound at once, without an
 * answer; a warning says so at most once a minute, with how many were closed, so a flood
 * cannot flood the log too.
 */
export function limitConnections(server: Server, limits: ServerLimits, logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let warnedAt = Number.NEGATIVE_INFINITY;
  server.on("drop", () => {
    dropped += 1;
    const now = performance.now();
    if (now - warnedAt < DROP_WARNING_INTERVAL_MILLIS) return;
    warnedAt = now;
    logger.warn(
      { dropped, maxConnections: limits.maxConnections },
      "connections refused: HTTP_MAX_CONNECTIONS reached",
    );
    dropped = 0;
  });
}
