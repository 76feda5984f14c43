import { resolve } from "node:path";
import { z } from "zod";
import { SIGN_IN_CHANNEL_EVENTS } from "./audit/channel-policy.ts";
import { EXPORT_FORMATS } from "./audit/export.ts";
import { parseVerificationKey } from "./http/sendgrid-webhook/signature.ts";
import { packageRoot } from "./package-root.ts";
import { webhookUrlProblem } from "./webhooks/endpoints.ts";

/*
 * Passdesk's environment variables, each read and checked (see config.ts for the typed config
 * built from them, and README.md for what each does).
 */

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

/** Decimal digits only: `z.coerce.number()` would read " " as 0 and "0x10" as 16. */
const digits = (min: number, max: number) =>
  z
    .string()
    .trim()
    .refine((value) => /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max, {
      message: `must be a whole number from ${min} to ${max}`,
    })
    .transform(Number);

const wholeNumber = (min: number, max: number, fallback: number) =>
  digits(min, max).default(fallback);

const positiveInt = (fallback: number) => wholeNumber(1, Number.MAX_SAFE_INTEGER, fallback);

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value), {
    message: "must be a postgres:// or postgresql:// URL",
  });

const httpUrl = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: "must be an absolute http:// or https:// URL",
  });

const emailSender = z
  .string()
  .trim()
  .refine((value) => /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(value), {
    message: 'must be "address" or "Name <address>"',
  });

export const environmentVariables = z
  .object({
    PORT: wholeNumber(0, 65535, 3000),
    HOST: z.string().trim().min(1).default("0.0.0.0"),
    PUBLIC_URL: httpUrl.optional(),
    DATABASE_URL: postgresUrl.optional(),
    // Relative to the package root, not the working directory: see packageRoot.
    PGLITE_DATA_DIR: z
      .string()
      .trim()
      .min(1)
      .default("./.data/pglite")
      .transform((dir) => (dir === "memory://" ? dir : resolve(packageRoot, dir))),
    LOG_LEVEL: z
      .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
      .default("info"),
    DEFAULT_CONNECTION: z.string().trim().min(1).default("Username-Password-Authentication"),
    TRUST_PROXY: wholeNumber(0, 10, 0),
    HTTP_HEADERS_TIMEOUT_MILLIS: positiveInt(10_000),
    HTTP_REQUEST_TIMEOUT_MILLIS: positiveInt(30_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MILLIS: positiveInt(5_000),
    HTTP_MAX_CONNECTIONS: positiveInt(512),
    RATE_LIMIT_PER_EMAIL_BURST: positiveInt(10),
    RATE_LIMIT_PER_EMAIL_PER_MINUTE: positiveInt(1),
    RATE_LIMIT_PER_IP_BURST: positiveInt(100),
    RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt(30),
    RATE_LIMIT_PER_RECIPIENT_BURST: positiveInt(3),
    RATE_LIMIT_PER_RECIPIENT_WINDOW_MINUTES: wholeNumber(1, 24 * 60, 15),
    RESET_PAGE_RATE_LIMIT_PER_IP_BURST: positiveInt(30),
    RESET_PAGE_RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt(20),
    RESET_PAGE_RATE_LIMIT_PER_TICKET_BURST: positiveInt(5),
    RESET_PAGE_RATE_LIMIT_PER_TICKET_PER_MINUTE: positiveInt(5),
    SIGN_IN_IP_FAILURES_BURST: positiveInt(100),
    SIGN_IN_IP_FAILURES_PER_MINUTE: positiveInt(10),
    // At most the 30 days a block lasts: a link that outlives its block has nothing to lift.
    SIGN_IN_UNBLOCK_LINK_LIFETIME_MINUTES: wholeNumber(1, 30 * 24 * 60, 24 * 60),
    USER_STORE_TIMEOUT_MILLIS: wholeNumber(100, 60_000, 5_000),
    USER_STORE_RETRIES: wholeNumber(0, 5, 2),
    USER_STORE_CHANGE_LEASE_SECONDS: wholeNumber(1, 3600, 60),
    USER_STORE_RECOVERY_INTERVAL_SECONDS: wholeNumber(1, 3600, 15),
    AUDIT_ANCHOR_INTERVAL_HOURS: wholeNumber(0, 24 * 366, 24),
    // A password waiting for its user: long enough to read an email, short enough to matter.
    PASSWORD_REVEAL_LIFETIME_HOURS: wholeNumber(1, 7 * 24, 24),
    SET_PASSWORD_APPROVAL: z.enum(["off", "required"]).default("off"),
    SET_PASSWORD_APPROVAL_MINUTES: wholeNumber(1, 24 * 60, 30),
    WEBHOOK_TIMEOUT_MILLIS: wholeNumber(100, 60_000, 10_000),
    WEBHOOK_MAX_ATTEMPTS: wholeNumber(1, 1000, 100),
    WEBHOOK_MAX_AGE_HOURS: wholeNumber(1, 30 * 24, 24),
    AUDIT_STREAM_URL: httpUrl
      .refine((value) => !webhookUrlProblem(value), {
        message: "must be https (http only for localhost), with no user name or password",
      })
      .optional(),
    AUDIT_STREAM_SECRET: z.string().trim().min(32).optional(),
    AUDIT_STREAM_FORMAT: z.enum(EXPORT_FORMATS).default("jsonl"),
    AUDIT_STREAM_BATCH: wholeNumber(1, 5_000, 500),
    AUDIT_STREAM_INTERVAL_SECONDS: wholeNumber(1, 3_600, 10),
    AUDIT_STREAM_TIMEOUT_MILLIS: wholeNumber(100, 120_000, 10_000),
    SIGNUP_RATE_LIMIT_PER_IP_BURST: positiveInt(10),
    SIGNUP_RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt(2),
    ARGON2_MAX_IN_FLIGHT: digits(1, 1024).optional(),
    ARGON2_MAX_QUEUED: wholeNumber(0, 10_000, 16),
    ARGON2_MAX_WAIT_MILLIS: wholeNumber(0, 60_000, 1_000),
    // Read by libuv, not by Passdesk: only its size is needed here, read as libuv reads it.
    UV_THREADPOOL_SIZE: z.string().optional(),
    SENDGRID_API_KEY: optionalString,
    SENDGRID_API_URL: httpUrl.default("https://api.sendgrid.com"),
    SENDGRID_TIMEOUT_MILLIS: positiveInt(10_000),
    EMAIL_SEND_LEASE_SECONDS: positiveInt(60),
    SENDGRID_WEBHOOK_PUBLIC_KEY: optionalString.refine(
      (value) => value === undefined || isVerificationKey(value),
      { message: "must be the Event Webhook verification key (a base64 ECDSA P-256 public key)" },
    ),
    EMAIL_FROM: emailSender.default("Passdesk <no-reply@passdesk.local>"),
    TENANT_NAME: z.string().trim().min(1).default("passdesk"),
    FRIENDLY_NAME: z.string().trim().min(1).default("Passdesk"),
    SUPPORT_EMAIL: optionalString,
    SUPPORT_URL: httpUrl.optional(),
    SECURE_LINK_LIFETIME_HOURS: wholeNumber(1, 30 * 24, 7 * 24),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_BOT_TOKEN: z
      .string()
      .trim()
      .regex(/^xoxb-/, { message: "must be a bot token (xoxb-…)" })
      .optional(),
    SLACK_APP_TOKEN: z
      .string()
      .trim()
      .regex(/^xapp-/, { message: "must be an app-level token (xapp-…)" })
      .optional(),
    SLACK_API_URL: httpUrl.default("https://slack.com/api/"),
    SLACK_AUDIT_CHANNEL: z
      .string()
      .trim()
      .regex(/^[CGD][A-Z0-9]{2,}$/, { message: "must be a channel ID like C0123ABCD" })
      .optional(),
    SLACK_APPROVAL_CHANNEL: z
      .string()
      .trim()
      .regex(/^[CGD][A-Z0-9]{2,}$/, { message: "must be a channel ID like C0123ABCD" })
      .optional(),
    SLACK_ADMIN_USERS: z
      .string()
      .trim()
      .regex(/^([UW][A-Z0-9]{2,})(\s*,\s*[UW][A-Z0-9]{2,})*$/, {
        message: "must be comma-separated Slack user IDs like U0123ABCD",
      })
      .optional(),
    SLACK_SUPPORT_USERGROUP: z
      .string()
      .trim()
      .regex(/^S[A-Z0-9]{2,}$/, { message: "must be a user-group ID like S0123ABCD" })
      .optional(),
    SLACK_ADMIN_USERGROUP: z
      .string()
      .trim()
      .regex(/^S[A-Z0-9]{2,}$/, { message: "must be a user-group ID like S0123ABCD" })
      .optional(),
    NODE_ENV: optionalString,
    PASSDESK_KEY_ENCRYPTION_KEY: optionalString.refine(
      (value) => value === undefined || keyBytesOf(value) !== undefined,
      { message: "must be 32 random bytes, as 64 hex digits or base64 (openssl rand -base64 32)" },
    ),
    ACCESS_TOKEN_LIFETIME_SECONDS: wholeNumber(60, 30 * 86400, 86400),
    ID_TOKEN_LIFETIME_SECONDS: wholeNumber(60, 30 * 86400, 36000),
    REFRESH_TOKEN_LIFETIME_SECONDS: wholeNumber(60, 365 * 86400, 30 * 86400),
    SIGN_IN_RATE_LIMIT_PER_IP_BURST: positiveInt(100),
    SIGN_IN_RATE_LIMIT_PER_IP_PER_MINUTE: positiveInt(100),
    SLACK_AUDIT_SIGN_IN_EVENTS: z
      .string()
      .trim()
      .default(SIGN_IN_CHANNEL_EVENTS.join(","))
      .transform((value) => (value === "none" ? [] : value.split(",").map((event) => event.trim())))
      .pipe(
        z.array(
          z.enum(SIGN_IN_CHANNEL_EVENTS, {
            error: `must be "none" or a comma-separated list of ${SIGN_IN_CHANNEL_EVENTS.join(", ")}`,
          }),
        ),
      ),
    SLACK_AUDIT_PUBLIC_REQUESTS: z
      .enum(["true", "false", "1", "0"], { message: "must be true or false" })
      .default("false")
      .transform((value) => value === "true" || value === "1"),
  })
  .superRefine((env, context) => {
    // Signing keys generated under a key that only this machine's file holds would not survive
    // a redeploy, nor be readable by a second instance.
    if (env.NODE_ENV === "production" && env.PASSDESK_KEY_ENCRYPTION_KEY === undefined) {
      context.addIssue({
        code: "custom",
        path: ["PASSDESK_KEY_ENCRYPTION_KEY"],
        message: "is required when NODE_ENV=production (it encrypts the token signing keys)",
      });
    }
    // Node refuses to start a server whose header timeout is longer than its request timeout.
    if (env.HTTP_HEADERS_TIMEOUT_MILLIS > env.HTTP_REQUEST_TIMEOUT_MILLIS) {
      context.addIssue({
        code: "custom",
        path: ["HTTP_HEADERS_TIMEOUT_MILLIS"],
        message: `must be at most HTTP_REQUEST_TIMEOUT_MILLIS (${env.HTTP_REQUEST_TIMEOUT_MILLIS})`,
      });
    }
    // A lease that can run out while its send still waits for SendGrid lets another instance (or
    // this one's next pass) send the same email again.
    if (env.EMAIL_SEND_LEASE_SECONDS * 1000 < 2 * env.SENDGRID_TIMEOUT_MILLIS) {
      context.addIssue({
        code: "custom",
        path: ["EMAIL_SEND_LEASE_SECONDS"],
        message: `must be at least twice SENDGRID_TIMEOUT_MILLIS (${env.SENDGRID_TIMEOUT_MILLIS} ms), or an email still being sent can be sent again`,
      });
    }
  });

/** 32 bytes from 64 hex digits or from base64 (standard or url-safe); undefined otherwise. */
export function keyBytesOf(value: string): Uint8Array | undefined {
  const bytes = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, "hex")
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
      ? Buffer.from(value, "base64")
      : undefined;
  return bytes?.length === 32 ? new Uint8Array(bytes) : undefined;
}

function isVerificationKey(value: string): boolean {
  try {
    parseVerificationKey(value);
    return true;
  } catch {
    return false;
  }
}
