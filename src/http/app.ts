import { Hono } from "hono";
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
