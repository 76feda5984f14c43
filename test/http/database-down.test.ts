import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { createRepository } from "../../src/db/stores.ts";
import { createHttpApp } from "../../src/http/app.ts";
import { createChangePasswordRoute } from "../../src/http/change-password/route.ts";
import { createManualClock } from "../support/clock.ts";
import { DEFAULT_CONNECTION, silentLogger, testLimits } from "../support/reset-fixture.ts";

describe("POST /dbconnections/change_password without a database", () => {
  it("answers 503 temporarily_unavailable, never a 200 for a request it could not store", async () => {
    const handle = await openDatabase({ pgliteDataDir: "memory://" });
    await migrateDatabase(handle);
    const repo = createRepository(handle);
    const app = createHttpApp({
      logger: silentLogger,
      checkDatabase: () => handle.ping(),
      routes: [
        createChangePasswordRoute({
          repo,
          clock: createManualClock(),
          logger: silentLogger,
          limits: testLimits,
          trustedProxies: 0,
        }),
      ],
    });
    const post = () =>
      app.request("/dbconnections/change_password", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "jane@example.com", connection: DEFAULT_CONNECTION }),
      });
    expect((await post()).status).toBe(200);
    await handle.close();
    const response = await post();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: expect.any(String),
    });
    expect((await app.request("/readyz")).status).toBe(503);
    expect((await app.request("/healthz")).status).toBe(200);
  });
});
