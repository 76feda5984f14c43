import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import type { z } from "zod";
import type { SignInChannelEvent } from "./audit/channel-policy.ts";
import { environmentVariables, keyBytesOf } from "./config-variables.ts";
import { packageRoot } from "./package-root.ts";
import { defaultMaxInFlight } from "./passwords/bounded-hasher.ts";

/** The config Passdesk's parts read: the environment variables (config-variables.ts), grouped. */
const schema = environmentVariables.transform((env) => ({
  port: env.PORT,
  host: env.HOST,
  publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
  /** False when PUBLIC_URL was defaulted: with PORT=0 the real port is only known once listening. */
  publicUrlExplicit: env.PUBLIC_URL !== undefined,
  databaseUrl: env.DATABASE_URL,
  pgliteDataDir: env.PGLITE_DATA_DIR,
  logLevel: env.LOG_LEVEL,
  defaultConnection: env.DEFAULT_CONNECTION,
  trustProxy: env.TRUST_PROXY,
  http: {
    headersTimeoutMillis: env.HTTP_HEADERS_TIMEOUT_MILLIS,
    requestTimeoutMillis: env.HTTP_REQUEST_TIMEOUT_MILLIS,
    keepAliveTimeoutMillis: env.HTTP_KEEP_ALIVE_TIMEOUT_MILLIS,
    maxConnections: env.HTTP_MAX_CONNECTIONS,
  },
  rateLimits: {
    perEmail: {
      burst: env.RATE_LIMIT_PER_EMAIL_BURST,
      perMinute: env.RATE_LIMIT_PER_EMAIL_PER_MINUTE,
    },
    perIp: { burst: env.RATE_LIMIT_PER_IP_BURST, perMinute: env.RATE_LIMIT_PER_IP_PER_MINUTE },
    // A full bucket refills over the window: at most `burst` emails in any such window.
    perRecipient: {
      burst: env.RATE_LIMIT_PER_RECIPIENT_BURST,
      perMinute: env.RATE_LIMIT_PER_RECIPIENT_BURST / env.RATE_LIMIT_PER_RECIPIENT_WINDOW_MINUTES,
    },
  },
  resetPageLimits: {
    perIp: {
      burst: env.RESET_PAGE_RATE_LIMIT_PER_IP_BURST,
      perMinute: env.RESET_PAGE_RATE_LIMIT_PER_IP_PER_MINUTE,
    },
    perTicket: {
      burst: env.RESET_PAGE_RATE_LIMIT_PER_TICKET_BURST,
      perMinute: env.RESET_PAGE_RATE_LIMIT_PER_TICKET_PER_MINUTE,
    },
  },
  signIn: {
    /**
     * As 64 hex digits (a frozen config cannot hold a byte array); undefined outside
     * production means a development key kept in a file beside the embedded database.
     */
    keyEncryptionKeyHex:
      env.PASSDESK_KEY_ENCRYPTION_KEY === undefined
        ? undefined
        : Buffer.from(keyBytesOf(env.PASSDESK_KEY_ENCRYPTION_KEY) ?? []).toString("hex"),
    accessTokenLifetimeSeconds: env.ACCESS_TOKEN_LIFETIME_SECONDS,
    idTokenLifetimeSeconds: env.ID_TOKEN_LIFETIME_SECONDS,
    refreshTokenLifetimeSeconds: env.REFRESH_TOKEN_LIFETIME_SECONDS,
    perIp: {
      burst: env.SIGN_IN_RATE_LIMIT_PER_IP_BURST,
      perMinute: env.SIGN_IN_RATE_LIMIT_PER_IP_PER_MINUTE,
    },
    ipThrottle: {
      burst: env.SIGN_IN_IP_FAILURES_BURST,
      perMinute: env.SIGN_IN_IP_FAILURES_PER_MINUTE,
    },
    unblockLinkLifetimeSeconds: env.SIGN_IN_UNBLOCK_LINK_LIFETIME_MINUTES * 60,
  },
  /** "Send it to the user" (/set-password): how long the password waits to be revealed. */
  passwordRevealLifetimeSeconds: env.PASSWORD_REVEAL_LIFETIME_HOURS * 3600,
  /** Four-eyes /set-password: the default of connections without their own setting. */
  setPasswordApproval: {
    defaultSetting: env.SET_PASSWORD_APPROVAL,
    lifetimeSeconds: env.SET_PASSWORD_APPROVAL_MINUTES * 60,
  },
  audit: {
    /** How often the chain's head is written to the audit channel; 0: never. */
    anchorIntervalMillis: env.AUDIT_ANCHOR_INTERVAL_HOURS * 60 * 60 * 1000,
    /** The audit log streamed to an HTTP endpoint (a SIEM), when set. */
    stream: env.AUDIT_STREAM_URL
      ? {
          url: env.AUDIT_STREAM_URL,
          secret: env.AUDIT_STREAM_SECRET,
          format: env.AUDIT_STREAM_FORMAT,
          batchSize: env.AUDIT_STREAM_BATCH,
          intervalMillis: env.AUDIT_STREAM_INTERVAL_SECONDS * 1000,
          timeoutMillis: env.AUDIT_STREAM_TIMEOUT_MILLIS,
        }
      : undefined,
  },
  userStores: {
    timeoutMillis: env.USER_STORE_TIMEOUT_MILLIS,
    retries: env.USER_STORE_RETRIES,
    /**
     * How long a claimed password change is its owner's before recovery takes it over: never
     * shorter than every attempt of one send and its back-off.
     */
    changeLeaseMillis: Math.max(
      env.USER_STORE_CHANGE_LEASE_SECONDS * 1000,
      minimumChangeLeaseMillis(env.USER_STORE_TIMEOUT_MILLIS, env.USER_STORE_RETRIES),
    ),
    recoveryIntervalMillis: env.USER_STORE_RECOVERY_INTERVAL_SECONDS * 1000,
  },
  webhooks: {
    timeoutMillis: env.WEBHOOK_TIMEOUT_MILLIS,
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    maxAgeMillis: env.WEBHOOK_MAX_AGE_HOURS * 3_600_000,
  },
  signupLimits: {
    perIp: {
      burst: env.SIGNUP_RATE_LIMIT_PER_IP_BURST,
      perMinute: env.SIGNUP_RATE_LIMIT_PER_IP_PER_MINUTE,
    },
  },
  argon2Bounds: {
    maxInFlight:
      env.ARGON2_MAX_IN_FLIGHT ??
      defaultMaxInFlight({
        cores: availableParallelism(),
        threadPoolSize: threadPoolSizeOf(env.UV_THREADPOOL_SIZE),
      }),
    maxQueued: env.ARGON2_MAX_QUEUED,
    maxWaitMillis: env.ARGON2_MAX_WAIT_MILLIS,
  },
  sendgrid: env.SENDGRID_API_KEY
    ? {
        apiKey: env.SENDGRID_API_KEY,
        apiUrl: env.SENDGRID_API_URL.replace(/\/+$/, ""),
        timeoutMillis: env.SENDGRID_TIMEOUT_MILLIS,
      }
    : undefined,
  slack: describeSlack(env),
  sendgridWebhookPublicKey: env.SENDGRID_WEBHOOK_PUBLIC_KEY,
  email: {
    sendLeaseSeconds: env.EMAIL_SEND_LEASE_SECONDS,
    from: env.EMAIL_FROM,
    tenant: env.TENANT_NAME,
    friendlyName: env.FRIENDLY_NAME,
    supportEmail: env.SUPPORT_EMAIL,
    supportUrl: env.SUPPORT_URL,
    /** The password-changed notice's "Secure my account" link. */
    secureLinkLifetimeSeconds: env.SECURE_LINK_LIFETIME_HOURS * 60 * 60,
  },
}));

export type Config = Readonly<z.output<typeof schema>>;

/** libuv's reading of UV_THREADPOOL_SIZE: a leading number clamped to 1–1024, else 4. */
function threadPoolSizeOf(value: string | undefined): number {
  const size = Number.parseInt(value ?? "", 10);
  return Number.isFinite(size) && size > 0 ? Math.min(size, 1024) : 4;
}

export type SlackConfig = NonNullable<Config["slack"]["settings"]>;

interface SlackEnv {
  SLACK_SIGNING_SECRET?: string | undefined;
  SLACK_BOT_TOKEN?: string | undefined;
  SLACK_APP_TOKEN?: string | undefined;
  SLACK_API_URL: string;
  SLACK_AUDIT_CHANNEL?: string | undefined;
  SLACK_APPROVAL_CHANNEL?: string | undefined;
  SLACK_ADMIN_USERS?: string | undefined;
  SLACK_SUPPORT_USERGROUP?: string | undefined;
  SLACK_ADMIN_USERGROUP?: string | undefined;
  SLACK_AUDIT_PUBLIC_REQUESTS: boolean;
  SLACK_AUDIT_SIGN_IN_EVENTS: SignInChannelEvent[];
}

/** Slack is on with a bot token plus a signing secret (HTTP) or an app token (Socket Mode). */
function describeSlack(env: SlackEnv) {
  const missing = [
    !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN && "SLACK_SIGNING_SECRET",
    !env.SLACK_BOT_TOKEN && "SLACK_BOT_TOKEN",
  ].filter((name): name is string => Boolean(name));
  if (missing.length > 0 || !env.SLACK_BOT_TOKEN) return { settings: undefined, missing };
  return {
    missing,
    settings: {
      signingSecret: env.SLACK_SIGNING_SECRET,
      botToken: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      apiUrl: env.SLACK_API_URL.endsWith("/") ? env.SLACK_API_URL : `${env.SLACK_API_URL}/`,
      auditChannel: env.SLACK_AUDIT_CHANNEL,
      /** Where approval cards go: this channel, else the audit channel. */
      approvalChannel: env.SLACK_APPROVAL_CHANNEL ?? env.SLACK_AUDIT_CHANNEL,
      auditPublicRequests: env.SLACK_AUDIT_PUBLIC_REQUESTS,
      auditSignInEvents: env.SLACK_AUDIT_SIGN_IN_EVENTS,
      bootstrapAdmins: (env.SLACK_ADMIN_USERS ?? "")
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean),
      supportUsergroup: env.SLACK_SUPPORT_USERGROUP,
      adminUsergroup: env.SLACK_ADMIN_USERGROUP,
    },
  };
}

/** Thrown with every invalid variable listed, so one start-up attempt reveals all of them. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/** Builds the typed, frozen config from environment variables; throws ConfigError listing every problem. */
export function parseConfig(env: Env): Config {
  // An empty (or blank) variable means "not set", as in most twelve-factor tooling.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join(".") || "environment";
        const value = env[name];
        const shown =
          value === undefined || /KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL/.test(name)
            ? ""
            : ` (got ${JSON.stringify(value)})`; // JSON keeps a stray newline on the one line
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  return deepFreeze(result.data);
}

/** The `.env` file read by default: the package root's, wherever the command is run from. */
export const defaultEnvFile = join(packageRoot, ".env");

/** Reads `.env` (when present) under the real environment, which wins, then parses. */
export function loadConfig(env: Env = process.env, envFile = defaultEnvFile): Config {
  return parseConfig({ ...readEnvFile(envFile), ...env });
}

function readEnvFile(path: string): Env {
  try {
    return parseEnv(readFileSync(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError([`${path}: cannot be read (${(error as Error).message})`]);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Where the database lives, for banners and logs: never includes a password. */
export function describeDatabase(config: Config): string {
  if (!config.databaseUrl) {
    return config.pgliteDataDir === "memory://"
      ? "embedded PGlite (in memory)"
      : `embedded PGlite at ${config.pgliteDataDir}`;
  }
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || "5432"}/${url.pathname.replace(/^\//, "")}`;
}

/**
 * The shortest lease a claimed password change may have: every attempt of one send (a SQL call
 * gives up at twice its timeout plus half a second), every back-off between them (at most 2 s
 * each), and 5 s for hashing and Passdesk's own writes. Shorter, and recovery could take over a
 * change its owner is still sending.
 */
export function minimumChangeLeaseMillis(timeoutMillis: number, retries: number): number {
  return (2 * timeoutMillis + 500) * (retries + 1) + 2_000 * retries + 5_000;
}
