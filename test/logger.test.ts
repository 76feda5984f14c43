import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/client.ts";
import { createLogger } from "../src/logger.ts";
import { createSlackLogger } from "../src/slack/slack-logger.ts";
import { backends, openMigratedDatabase } from "./support/database.ts";

// Shaped like a stored password hash; its salt and digest must appear in no log line.
const SALT = "c2VjcmV0c2FsdDEyMw";
const DIGEST = "q7N0tH1sH4sHmUsTn3v3rBeL0gg3dAnyWh3r3x";
const HASH = `$argon2id$v=19$m=19456,t=2,p=1$${SALT}$${DIGEST}`;

function captureLogger() {
  const lines: string[] = [];
  const logger = createLogger("info", false, { write: (line: string) => lines.push(line) });
  return { logger, output: () => lines.join("") };
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("the statement did not fail");
}

function expectNoSecret(output: string) {
  expect(output).not.toContain(SALT);
  expect(output).not.toContain(DIGEST);
}

describe.each(backends)("logged database errors on %s", (backend) => {
  let handle: DatabaseHandle;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ handle, close } = await openMigratedDatabase(backend));
    await handle.db.execute(sql`create table log_probe (v text primary key, id uuid)`);
    await handle.db.execute(sql`insert into log_probe (v) values (${HASH})`);
  });
  afterAll(async () => {
    await close?.();
  });

  const viaDrizzle = () => handle.db.execute(sql`insert into log_probe (v) values (${HASH})`);
  const viaDriver = () => handle.query("insert into log_probe (v) values ($1)", [HASH]);

  it.each([
    ["through drizzle", viaDrizzle],
    ["through the driver", viaDriver],
  ])(
    "a unique violation %s logs its SQL, SQLSTATE and constraint, never the value",
    async (_how, run) => {
      const error = await failure(run);
      expect(JSON.stringify(error) + String(error)).toContain(DIGEST); // the raw error does carry it
      const { logger, output } = captureLogger();

      logger.error({ err: error }, "reset not completed");
      logger.error(error as Error);
      logger.error({ err: error });
      logger.warn({ failure: error, wrapped: new Error("store failed", { cause: error }) }, "x");
      logger.warn({ outcome: { reason: "store_failed", errors: [error] } }, "nested");

      expectNoSecret(output());
      const [first] = output().split("\n");
      const logged = JSON.parse(first ?? "{}").err;
      const database = logged.cause ?? logged;
      expect(JSON.stringify(logged)).toContain("insert into log_probe (v) values ($1)");
      expect(database.code).toBe("23505");
      expect(database.constraint ?? database.constraint_name).toBe("log_probe_pkey");
      expect(logged.stack).toMatch(/\n\s+at /);
    },
  );

  it("a data exception quoting the parameter logs the SQLSTATE, never the value", async () => {
    const error = await failure(() =>
      handle.db.execute(sql`update log_probe set id = ${HASH}::uuid`),
    );
    const { logger, output } = captureLogger();

    logger.error({ err: error }, "update failed");

    expectNoSecret(output());
    expect(output()).toContain("22P02");
    expect(output()).toContain("invalid input syntax for type uuid");
  });

  it("an error Bolt logs through the Slack logger carries no parameter either", async () => {
    const error = await failure(viaDrizzle);
    const { logger, output } = captureLogger();

    createSlackLogger(logger).error("An unhandled error occurred", error);

    expectNoSecret(output());
    expect(output()).toContain("23505");
  });
});

describe("logged errors that are not from the database", () => {
  it("keep their own fields, causes and message", () => {
    const { logger, output } = captureLogger();
    const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const error = Object.assign(new Error("SendGrid request not sent", { cause }), {
      retryable: true,
    });

    logger.error({ err: error }, "email not sent");

    const logged = JSON.parse(output()).err;
    expect(logged).toMatchObject({
      type: "Error",
      message: "SendGrid request not sent",
      retryable: true,
      cause: { message: "socket hang up", code: "ECONNRESET" },
    });
  });

  it("survive a cause that points back at the error", () => {
    const { logger, output } = captureLogger();
    const error = new Error("loop") as Error & { cause?: unknown };
    error.cause = error;

    logger.error({ err: error }, "odd");

    expect(JSON.parse(output()).err.cause).toBe("[circular]");
  });
});
