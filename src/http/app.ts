import type { HttpBindings } from "@hono/node-server";
import { type Context, Hono } from "hono";
import type { Logger } from "../logger.ts";
import { accessLog } from "./access-log.ts";
import { errorResponse } from "./errors.ts";

export interface HttpDependencies {
  logger: Logger;
  /** Resolves when the database answers; rejects otherwise. */
  checkDatabase(): Promise<void>;
  /** Feature routes (public API, reset page, Slack…), mounted at the root. */
  routes?: Hono[];
}

export function createHttpApp(deps: HttpDependencies): Hono {
  const app = new Hono();
  app.use(accessLog(deps.logger));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await deps.checkDatabase();
      return c.json({ status: "ready" });
    } catch {
      return c.json({ status: "unavailable", reason: "database" }, 503);
    }
  });

  for (const routes of deps.routes ?? []) app.route("/", routes);

  app.notFound((c) => errorResponse(c, 404, "not_found", "No such endpoint."));
  // The one place an unexpected error becomes a response: logged in full, never shown.
  app.onError((error, c) => {
    // A client that went away, or was cut off by the server's request timeout, is no fault of
    // ours, and the answer has no one to go to: at error level it would let anyone fill the log.
    if (isConnectionGone(c) && isAbortedRead(error)) {
      deps.logger.info({ method: c.req.method, path: c.req.path }, "request abandoned mid-body");
      return c.body(null, 400);
    }
    deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, "unhandled error");
    return errorResponse(
      c,
      500,
      "server_error",
      "Something went wrong on our side. Please try again.",
    );
  });
  return app;
}

const ABORTED_READ_CODES = new Set(["ECONNRESET", "ERR_STREAM_PREMATURE_CLOSE", "ABORT_ERR"]);

function isAbortedRead(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return error.name === "AbortError" || (code !== undefined && ABORTED_READ_CODES.has(code));
}

function isConnectionGone(c: Context): boolean {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  return incoming?.socket?.destroyed === true;
}
