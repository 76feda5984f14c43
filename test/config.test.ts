import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigError,
  defaultEnvFile,
  describeDatabase,
  loadConfig,
  parseConfig,
} from "../src/config.ts";
import { packageRoot } from "../src/package-root.ts";

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("parseConfig accepted the environment");
}

describe("parseConfig defaults", () => {
  const config = parseConfig({});

  it("listens on 0.0.0.0:3000", () => {
    expect(config.port).toBe(3000);
    expect(config.host).toBe("0.0.0.0");
  });

  it("builds links on http://localhost:$PORT when PUBLIC_URL is unset", () => {
    expect(config.publicUrl).toBe("http://localhost:3000");
    expect(parseConfig({ PORT: "8080" }).publicUrl).toBe("http://localhost:8080");
  });

  it("uses embedded PGlite in .data/pglite of the package root when DATABASE_URL is unset", () => {
    expect(config.databaseUrl).toBeUndefined();
    expect(config.pgliteDataDir).toBe(join(packageRoot, ".data", "pglite"));
  });

  it("reads the package root's .env file by default, wherever it is run from", () => {
    expect(defaultEnvFile).toBe(join(packageRoot, ".env"));
  });

  it("logs at info and adds users to Username-Password-Authentication", () => {
    expect(config.logLevel).toBe("info");
    expect(config.defaultConnection).toBe("Username-Password-Authentication");
  });

  it("bounds the HTTP server: 10 s for headers, 30 s per request, 5 s keep-alive, 512 connections", () => {
    expect(config.http).toEqual({
      headersTimeoutMillis: 10_000,
      requestTimeoutMillis: 30_000,
      keepAliveTimeoutMillis: 5_000,
      maxConnections: 512,
    });
  });
});

describe("parseConfig for the reset page and Argon2", () => {
  it("has default reset-page limits and a bound derived from the machine", () => {
    const config = parseConfig({});
    expect(config.resetPageLimits).toEqual({
      perIp: { burst: 30, perMinute: 20 },
      perTicket: { burst: 5, perMinute: 5 },
    });
    expect(config.argon2Bounds.maxQueued).toBe(16);
    expect(config.argon2Bounds.maxWaitMillis).toBe(1000);
    expect(config.argon2Bounds.maxInFlight).toBe(
      Math.max(1, Math.min(3, availableParallelism() - 1)),
    );
    // A thread pool of 1 leaves no thread to share: still one operation at a time.
    expect(parseConfig({ UV_THREADPOOL_SIZE: "1" }).argon2Bounds.maxInFlight).toBe(1);
  });

  it("reads each variable, and refuses a bound of 0 operations in flight", () => {
    const config = parseConfig({
      RESET_PAGE_RATE_LIMIT_PER_IP_BURST: "7",
      RESET_PAGE_RATE_LIMIT_PER_IP_PER_MINUTE: "6",
      RESET_PAGE_RATE_LIMIT_PER_TICKET_BURST: "3",
      RESET_PAGE_RATE_LIMIT_PER_TICKET_PER_MINUTE: "2",
      ARGON2_MAX_IN_FLIGHT: "5",
      ARGON2_MAX_QUEUED: "0",
      ARGON2_MAX_WAIT_MILLIS: "250",
    });
    expect(config.resetPageLimits).toEqual({
      perIp: { burst: 7, perMinute: 6 },
      perTicket: { burst: 3, perMinute: 2 },
    });
    expect(config.argon2Bounds).toEqual({ maxInFlight: 5, maxQueued: 0, maxWaitMillis: 250 });
    expect(configErrorOf({ ARGON2_MAX_IN_FLIGHT: "0" }).problems).toEqual([
      'ARGON2_MAX_IN_FLIGHT: must be a whole number from 1 to 1024 (got "0")',
    ]);
  });
});

describe("parseConfig for signup", () => {
  it("limits signups per IP to a burst of 10, then 2 a minute, unless told otherwise", () => {
    expect(parseConfig({}).signupLimits).toEqual({ perIp: { burst: 10, perMinute: 2 } });
    expect(
      parseConfig({ SIGNUP_RATE_LIMIT_PER_IP_BURST: "3", SIGNUP_RATE_LIMIT_PER_IP_PER_MINUTE: "1" })
        .signupLimits,
    ).toEqual({ perIp: { burst: 3, perMinute: 1 } });
    expect(configErrorOf({ SIGNUP_RATE_LIMIT_PER_IP_BURST: "0" }).problems).toEqual([
      expect.stringMatching(/^SIGNUP_RATE_LIMIT_PER_IP_BURST: /),
    ]);
  });
});

describe("webhook settings", () => {
  it("give a receiver 10 s, and give up after 100 attempts or 24 hours, unless told otherwise", () => {
    expect(parseConfig({}).webhooks).toEqual({
      timeoutMillis: 10_000,
      maxAttempts: 100,
      maxAgeMillis: 24 * 3_600_000,
    });
    expect(
      parseConfig({
        WEBHOOK_TIMEOUT_MILLIS: "2500",
        WEBHOOK_MAX_ATTEMPTS: "5",
        WEBHOOK_MAX_AGE_HOURS: "48",
      }).webhooks,
    ).toEqual({ timeoutMillis: 2_500, maxAttempts: 5, maxAgeMillis: 48 * 3_600_000 });
    expect(
      configErrorOf({ WEBHOOK_TIMEOUT_MILLIS: "0", WEBHOOK_MAX_ATTEMPTS: "many" }).problems,
    ).toEqual([
      expect.stringMatching(/^WEBHOOK_TIMEOUT_MILLIS: /),
      expect.stringMatching(/^WEBHOOK_MAX_ATTEMPTS: /),
    ]);
  });
});

describe("parseConfig values", () => {
  it("reads every variable owned by the foundation", () => {
    const config = parseConfig({
      PORT: "8443",
      HOST: "127.0.0.1",
      PUBLIC_URL: "https://passdesk.example.com/",
      DATABASE_URL: "postgres://passdesk@db.internal:5432/passdesk",
      PGLITE_DATA_DIR: "memory://",
      LOG_LEVEL: "debug",
      DEFAULT_CONNECTION: "Staff",
    });
    expect(config).toMatchObject({
      port: 8443,
      host: "127.0.0.1",
      publicUrl: "https://passdesk.example.com",
      databaseUrl: "postgres://passdesk@db.internal:5432/passdesk",
      pgliteDataDir: "memory://",
      logLevel: "debug",
      defaultConnection: "Staff",
    });
  });

  it("limits each user to 3 public reset emails per 15 minutes by default, refilled over the window", () => {
    expect(parseConfig({}).rateLimits.perRecipient).toEqual({ burst: 3, perMinute: 0.2 });
    expect(
      parseConfig({
        RATE_LIMIT_PER_RECIPIENT_BURST: "5",
        RATE_LIMIT_PER_RECIPIENT_WINDOW_MINUTES: "60",
      }).rateLimits.perRecipient,
    ).toEqual({ burst: 5, perMinute: 5 / 60 });
    expect(() => parseConfig({ RATE_LIMIT_PER_RECIPIENT_WINDOW_MINUTES: "0" })).toThrow(
      /RATE_LIMIT_PER_RECIPIENT_WINDOW_MINUTES/,
    );
  });

  it("accepts PORT 0, which lets the system choose a free port", () => {
    expect(parseConfig({ PORT: "0" }).port).toBe(0);
  });

  it("treats an empty or blank variable as unset", () => {
    const config = parseConfig({
      PORT: "",
      HOST: "  ",
      PUBLIC_URL: "",
      DATABASE_URL: "",
      PGLITE_DATA_DIR: " ",
      LOG_LEVEL: "",
      DEFAULT_CONNECTION: "",
    });
    expect(config).toEqual(parseConfig({}));
  });

  it("returns a deeply frozen object", () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rateLimits)).toBe(true);
    expect(Object.isFrozen(config.rateLimits.perEmail)).toBe(true);
    expect(Object.isFrozen(config.email)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.rateLimits.perIp as { burst: number }).burst = 1;
    }).toThrow(TypeError);
  });
});

describe("parseConfig errors", () => {
  it("lists every bad variable in one ConfigError on one line", () => {
    const error = configErrorOf({
      PORT: "abc",
      PUBLIC_URL: "passdesk.example.com",
      LOG_LEVEL: "loud",
      DATABASE_URL: "mysql://db.internal/passdesk",
    });
    expect(error.problems).toHaveLength(4);
    expect(error.message).not.toContain("\n");
    for (const name of ["PORT", "PUBLIC_URL", "LOG_LEVEL", "DATABASE_URL"]) {
      expect(error.message).toContain(`${name}: `);
    }
    expect(error.message).toContain('PORT: must be a whole number from 0 to 65535 (got "abc")');
    expect(error.message).toContain("LOG_LEVEL: must be one of fatal, error, warn, info");
  });

  it.each([["-1"], ["65536"], ["1.5"], ["0x10"], ["1e3"]])("refuses PORT=%s", (port) => {
    expect(configErrorOf({ PORT: port }).problems).toEqual([
      `PORT: must be a whole number from 0 to 65535 (got "${port}")`,
    ]);
  });

  it("refuses a PUBLIC_URL that is not http or https", () => {
    expect(configErrorOf({ PUBLIC_URL: "ftp://files.example.com" }).problems).toEqual([
      'PUBLIC_URL: must be an absolute http:// or https:// URL (got "ftp://files.example.com")',
    ]);
  });

  it("refuses an email send lease shorter than twice the SendGrid timeout", () => {
    expect(
      configErrorOf({ SENDGRID_TIMEOUT_MILLIS: "30000", EMAIL_SEND_LEASE_SECONDS: "59" }).problems,
    ).toEqual([
      'EMAIL_SEND_LEASE_SECONDS: must be at least twice SENDGRID_TIMEOUT_MILLIS (30000 ms), or an email still being sent can be sent again (got "59")',
    ]);
    expect(
      parseConfig({ SENDGRID_TIMEOUT_MILLIS: "30000", EMAIL_SEND_LEASE_SECONDS: "60" }).email
        .sendLeaseSeconds,
    ).toBe(60);
  });

  it("refuses a header timeout longer than the request timeout, which Node would refuse", () => {
    expect(
      configErrorOf({ HTTP_HEADERS_TIMEOUT_MILLIS: "20000", HTTP_REQUEST_TIMEOUT_MILLIS: "10000" })
        .problems,
    ).toEqual([
      'HTTP_HEADERS_TIMEOUT_MILLIS: must be at most HTTP_REQUEST_TIMEOUT_MILLIS (10000) (got "20000")',
    ]);
  });

  it("refuses a SendGrid verification key that is not an ECDSA P-256 public key", () => {
    expect(configErrorOf({ SENDGRID_WEBHOOK_PUBLIC_KEY: "bm90IGEga2V5" }).problems).toEqual([
      "SENDGRID_WEBHOOK_PUBLIC_KEY: must be the Event Webhook verification key (a base64 ECDSA P-256 public key)",
    ]);
  });

  it("keeps a value with a newline on the message's one line", () => {
    const error = configErrorOf({ PORT: "3000\nHOST=evil" });
    expect(error.message).not.toContain("\n");
    expect(error.message).toContain(String.raw`(got "3000\nHOST=evil")`);
  });

  it("never echoes the value of DATABASE_URL or of a secret", () => {
    const error = configErrorOf({
      DATABASE_URL: "mysql://admin:hunter2@db.internal/passdesk",
      SENDGRID_API_URL: "not a url",
    });
    expect(error.message).toContain("DATABASE_URL: must be a postgres:// or postgresql:// URL");
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("db.internal");
  });

  it("never echoes a malformed Slack token", () => {
    const error = configErrorOf({
      SLACK_BOT_TOKEN: "xoxp-user-token-secret",
      SLACK_APP_TOKEN: "xoxb-wrong-kind-secret",
    });
    expect(error.problems).toEqual([
      "SLACK_BOT_TOKEN: must be a bot token (xoxb-…)",
      "SLACK_APP_TOKEN: must be an app-level token (xapp-…)",
    ]);
    expect(error.message).not.toContain("secret");
  });
});

describe("loadConfig", () => {
  let dir: string;
  let envFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "passdesk-config-"));
    envFile = join(dir, ".env");
    await writeFile(
      envFile,
      [
        "# a comment",
        "PORT=4000",
        "HOST=127.0.0.1",
        'DEFAULT_CONNECTION="From-Dotenv"',
        "LOG_LEVEL=warn",
      ].join("\n"),
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads variables from the .env file", () => {
    const config = loadConfig({}, envFile);
    expect(config.port).toBe(4000);
    expect(config.host).toBe("127.0.0.1");
    expect(config.defaultConnection).toBe("From-Dotenv");
  });

  it("lets the real environment win over the .env file", () => {
    const config = loadConfig({ PORT: "5000", LOG_LEVEL: "error" }, envFile);
    expect(config.port).toBe(5000);
    expect(config.logLevel).toBe("error");
    expect(config.host).toBe("127.0.0.1");
  });

  it("works without a .env file", () => {
    expect(loadConfig({ PORT: "5001" }, join(dir, "missing.env")).port).toBe(5001);
  });

  it("reports a .env path that cannot be read as a ConfigError", () => {
    expect(() => loadConfig({}, dir)).toThrow(ConfigError);
    expect(() => loadConfig({}, dir)).toThrow(`${dir}: cannot be read`);
  });

  it("validates values read from the .env file like any other", () => {
    expect(() => loadConfig({ PORT: "" }, envFile)).not.toThrow();
    expect(() => loadConfig({ LOG_LEVEL: "loud" }, envFile)).toThrow("LOG_LEVEL: must be one of");
  });
});

describe("describeDatabase", () => {
  it("names the PostgreSQL host, port and database but never the password", () => {
    const description = describeDatabase(
      parseConfig({
        DATABASE_URL: "postgres://admin:hunter2@db.internal:6543/passdesk?sslmode=require",
      }),
    );
    expect(description).toBe("PostgreSQL db.internal:6543/passdesk");
    expect(description).not.toContain("hunter2");
    expect(description).not.toContain("admin");
  });

  it("hides a password that looks like part of the URL's structure", () => {
    const description = describeDatabase(
      parseConfig({ DATABASE_URL: "postgresql://u:p%40ss%2Fw0rd@db.internal/passdesk" }),
    );
    expect(description).toBe("PostgreSQL db.internal:5432/passdesk");
    expect(description).not.toMatch(/p%40ss|p@ss|w0rd/);
  });

  it("resolves a relative PGLITE_DATA_DIR against the package root, not the working directory", () => {
    expect(parseConfig({ PGLITE_DATA_DIR: "var/db" }).pgliteDataDir).toBe(
      join(packageRoot, "var", "db"),
    );
    expect(parseConfig({ PGLITE_DATA_DIR: "../other-db" }).pgliteDataDir).toBe(
      join(packageRoot, "..", "other-db"),
    );
    expect(describeDatabase(parseConfig({ PGLITE_DATA_DIR: "var/db" }))).toBe(
      `embedded PGlite at ${join(packageRoot, "var", "db")}`,
    );
  });

  it("names the embedded data directory, or says it lives in memory", () => {
    expect(describeDatabase(parseConfig({ PGLITE_DATA_DIR: "/var/lib/passdesk" }))).toBe(
      "embedded PGlite at /var/lib/passdesk",
    );
    expect(describeDatabase(parseConfig({ PGLITE_DATA_DIR: "memory://" }))).toBe(
      "embedded PGlite (in memory)",
    );
  });
});

describe("SLACK_AUDIT_SIGN_IN_EVENTS", () => {
  const slack = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };
  it("is every event by default, none with none, and refuses an unknown one", () => {
    expect(parseConfig(slack).slack.settings?.auditSignInEvents).toEqual([
      "lockouts",
      "unblocks",
      "throttles",
      "signups",
    ]);
    const none = parseConfig({ ...slack, SLACK_AUDIT_SIGN_IN_EVENTS: "none" });
    expect(none.slack.settings?.auditSignInEvents).toEqual([]);
    const some = parseConfig({ ...slack, SLACK_AUDIT_SIGN_IN_EVENTS: "lockouts, signups" });
    expect(some.slack.settings?.auditSignInEvents).toEqual(["lockouts", "signups"]);
    expect(() => parseConfig({ ...slack, SLACK_AUDIT_SIGN_IN_EVENTS: "logins" })).toThrow(
      /SLACK_AUDIT_SIGN_IN_EVENTS/,
    );
  });
});

describe("parseConfig for sign-in", () => {
  it("throttles an IP after 100 failures, refilling 10 a minute, and unblock links last a day", () => {
    expect(parseConfig({}).signIn).toMatchObject({
      ipThrottle: { burst: 100, perMinute: 10 },
      unblockLinkLifetimeSeconds: 86_400,
    });
  });

  it("reads each variable, and refuses an unblock link that outlives the 30-day block", () => {
    const config = parseConfig({
      SIGN_IN_IP_FAILURES_BURST: "20",
      SIGN_IN_IP_FAILURES_PER_MINUTE: "2",
      SIGN_IN_UNBLOCK_LINK_LIFETIME_MINUTES: "60",
    });
    expect(config.signIn).toMatchObject({
      ipThrottle: { burst: 20, perMinute: 2 },
      unblockLinkLifetimeSeconds: 3600,
    });
    expect(configErrorOf({ SIGN_IN_UNBLOCK_LINK_LIFETIME_MINUTES: "43201" }).problems).toEqual([
      'SIGN_IN_UNBLOCK_LINK_LIFETIME_MINUTES: must be a whole number from 1 to 43200 (got "43201")',
    ]);
  });
});

describe("four-eyes /set-password", () => {
  const slack = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" };
  it("is off, with 30-minute requests, unless told otherwise; refuses other settings", () => {
    expect(parseConfig({}).setPasswordApproval).toEqual({
      defaultSetting: "off",
      lifetimeSeconds: 30 * 60,
    });
    expect(
      parseConfig({ SET_PASSWORD_APPROVAL: "required", SET_PASSWORD_APPROVAL_MINUTES: "10" })
        .setPasswordApproval,
    ).toEqual({ defaultSetting: "required", lifetimeSeconds: 600 });
    expect(
      configErrorOf({ SET_PASSWORD_APPROVAL: "on", SET_PASSWORD_APPROVAL_MINUTES: "0" }).problems,
    ).toEqual([
      expect.stringMatching(/^SET_PASSWORD_APPROVAL: /),
      "SET_PASSWORD_APPROVAL_MINUTES: must be a whole number from 1 to 1440",
    ]);
  });

  it("posts its cards to SLACK_APPROVAL_CHANNEL, else to the audit channel", () => {
    expect(parseConfig(slack).slack.settings?.approvalChannel).toBeUndefined();
    expect(
      parseConfig({ ...slack, SLACK_AUDIT_CHANNEL: "C0AUDIT" }).slack.settings?.approvalChannel,
    ).toBe("C0AUDIT");
    expect(
      parseConfig({ ...slack, SLACK_AUDIT_CHANNEL: "C0AUDIT", SLACK_APPROVAL_CHANNEL: "C0APPROVE" })
        .slack.settings?.approvalChannel,
    ).toBe("C0APPROVE");
    expect(configErrorOf({ ...slack, SLACK_APPROVAL_CHANNEL: "#approvals" }).problems).toEqual([
      expect.stringMatching(/^SLACK_APPROVAL_CHANNEL: must be a channel ID/),
    ]);
  });
});

describe("the secure-account link", () => {
  it("works for 7 days unless told otherwise, at most 30 days", () => {
    expect(parseConfig({}).email.secureLinkLifetimeSeconds).toBe(7 * 24 * 3600);
    expect(parseConfig({ SECURE_LINK_LIFETIME_HOURS: "48" }).email.secureLinkLifetimeSeconds).toBe(
      48 * 3600,
    );
    expect(configErrorOf({ SECURE_LINK_LIFETIME_HOURS: "721" }).problems).toEqual([
      'SECURE_LINK_LIFETIME_HOURS: must be a whole number from 1 to 720 (got "721")',
    ]);
  });
});

describe("audit settings", () => {
  it("anchor daily, and stream nowhere, unless told otherwise", () => {
    expect(parseConfig({}).audit).toEqual({ anchorIntervalMillis: 24 * 3_600_000 });
    expect(parseConfig({ AUDIT_ANCHOR_INTERVAL_HOURS: "0" }).audit.anchorIntervalMillis).toBe(0);
  });

  it("stream to an https URL (or http on this machine), in batches, signed when a secret is set", () => {
    expect(
      parseConfig({
        AUDIT_STREAM_URL: "https://siem.example.com/ingest",
        AUDIT_STREAM_SECRET: "s".repeat(32),
        AUDIT_STREAM_FORMAT: "ocsf",
      }).audit.stream,
    ).toEqual({
      url: "https://siem.example.com/ingest",
      secret: "s".repeat(32),
      format: "ocsf",
      batchSize: 500,
      intervalMillis: 10_000,
      timeoutMillis: 10_000,
    });
    expect(parseConfig({ AUDIT_STREAM_URL: "http://127.0.0.1:9000/x" }).audit.stream?.url).toBe(
      "http://127.0.0.1:9000/x",
    );
    expect(
      configErrorOf({
        AUDIT_STREAM_URL: "http://siem.example.com/ingest",
        AUDIT_STREAM_SECRET: "short",
        AUDIT_STREAM_FORMAT: "xml",
      }).problems,
    ).toEqual([
      expect.stringMatching(/^AUDIT_STREAM_URL: must be https/),
      expect.stringMatching(/^AUDIT_STREAM_SECRET: /),
      expect.stringMatching(/^AUDIT_STREAM_FORMAT: /),
    ]);
  });
});
