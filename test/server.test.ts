import { existsSync } from "node:fs";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { createHttpApp } from "../src/http/app.ts";
import { createLogger } from "../src/logger.ts";
import { type RunningPassdesk, startPassdesk } from "../src/main.ts";
import { isDictionaryRuleLoaded } from "../src/passwords/dictionary.ts";
import { linesOf, runProcess } from "./support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "./support/database.ts";
import { BUILT_ENTRY, startServerProcess } from "./support/server-process.ts";
import { waitFor } from "./support/wait-for.ts";

/** Whether a new TCP connection to the port is refused (fetch might reuse a pooled socket). */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/** The same database, with a password in the URL that trust authentication ignores. */
function withPassword(env: TestDatabase["env"]): TestDatabase["env"] {
  if (!("DATABASE_URL" in env)) return env;
  const url = new URL(env.DATABASE_URL);
  url.password = "banner-must-not-show-this";
  return { DATABASE_URL: url.toString() };
}

describe.each(backends)("startPassdesk on %s", (backend) => {
  let database: TestDatabase;
  let server: RunningPassdesk;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    server = await startPassdesk(
      parseConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", ...database.env }),
    );
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it("listens on the port the system chose and reports its URL", () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it("has loaded the dictionary rule, so that no request waits for it", () => {
    expect(isDictionaryRuleLoaded()).toBe(true);
  });

  it("answers /healthz with 200", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz with 200 when the database answers", async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready" });
  });

  it("answers an unknown path with a JSON 404 in Auth0's error shape", async () => {
    const response = await fetch(`${server.url}/no/such/endpoint`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: "not_found",
      error_description: expect.any(String),
    });
  });

  it("stop() resolves, is safe to call twice, and leaves the port refusing connections", async () => {
    await Promise.all([server.stop(), server.stop()]);
    expect(await refusesConnections(server.port)).toBe(true);
  });
});

describe("the readiness probe", () => {
  it("answers /readyz with 503 when the database does not answer", async () => {
    const app = createHttpApp({
      logger: createLogger("silent", false),
      checkDatabase: () => Promise.reject(new Error("connection refused")),
    });
    const response = await app.request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable", reason: "database" });
  });
});

/** `npm start` builds dist/main.js (prestart), then runs it: these tests run that bundle. */
async function buildAsNpmStartDoes() {
  const result = await runProcess(process.execPath, ["scripts/build.mjs"], { env: {} });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
}

describe("npm start (the built dist/main.js as a process)", () => {
  beforeAll(buildAsNpmStartDoes, 60_000);

  it("refuses bad configuration with one line listing every problem, exit code 1", async () => {
    const result = await runProcess(process.execPath, BUILT_ENTRY, {
      env: { PORT: "abc", PUBLIC_URL: "passdesk.example.com" },
    });
    expect(result.code).toBe(1);
    expect(linesOf(result.stderr)).toEqual([
      'passdesk: invalid configuration: PORT: must be a whole number from 0 to 65535 (got "abc"); PUBLIC_URL: must be an absolute http:// or https:// URL (got "passdesk.example.com")',
    ]);
  });
});

describe.each(backends)("npm start (the built dist/main.js as a process) on %s", (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    await buildAsNpmStartDoes();
    database = await createTestDatabase(backend);
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
  });

  it("serves /readyz, prints a banner without secrets, and exits 0 on SIGTERM", async () => {
    const server = await startServerProcess(withPassword(database.env), {}, BUILT_ENTRY);
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
    // Log lines are written asynchronously: /readyz can answer before the banner's last line.
    await waitFor(() => server.output().stdout.includes("Slack: "), 10_000, "the banner");

    const messages = server
      .output()
      .stdout.split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^Passdesk listening on 127\\.0\\.0\\.1:${server.port}`)),
        "PGLITE_DATA_DIR" in database.env
          ? `Database: embedded PGlite at ${database.env.PGLITE_DATA_DIR}`
          : expect.stringMatching(/^Database: PostgreSQL 127\.0\.0\.1:5432\/passdesk_test_/),
        expect.stringMatching(/^Slack: off — set SLACK_/),
      ]),
    );
    expect(server.output().stdout).not.toContain("banner-must-not-show-this");

    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output().stderr).toBe("");
    expect(await refusesConnections(server.port)).toBe(true);
    if ("PGLITE_DATA_DIR" in database.env) {
      expect(existsSync(`${database.env.PGLITE_DATA_DIR}.lock`)).toBe(false);
    }
  });
});
