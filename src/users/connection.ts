import type { PasswordLevel, PasswordPolicy } from "../passwords/policy.ts";
import type { StoreConfig } from "./external-store.ts";

/**
 * Whether anyone may create an account with `POST /dbconnections/signup`. Closed by default:
 * signup answers `user_exists` for a taken email, so an open connection tells anyone who asks
 * who has an account in it.
 */
export const SIGNUP_MODES = ["closed", "open"] as const;
export type SignupMode = (typeof SIGNUP_MODES)[number];

/** A place users live. Only `database` connections hold passwords Passdesk can change. */
export interface Connection {
  id: number;
  name: string;
  strategy: string;
  policy: PasswordPolicy;
  bruteForce: BruteForceSettings;
  signup: SignupMode;
  /**
   * Where the users live when not in Passdesk's own tables (users/external-store.ts);
   * `invalid` when the stored setting no longer reads as one.
   */
  store?: StoreConfig | "invalid";
  /** Four-eyes /set-password for this connection; null: the global default. */
  setPasswordApproval?: "off" | "required" | null;
}

/** Auth0's brute-force protection settings of a connection (see src/sign-in/brute-force.ts). */
export interface BruteForceSettings {
  enabled: boolean;
  /** Consecutive failures, per identifier (and IP), after which sign-in is blocked. */
  maxAttempts: number;
  mode: BruteForceMode;
  /** `block` refuses further attempts; `user_notification` emails the user an unblock link. */
  shields: BruteForceShield[];
  /** IPs and CIDRs (IPv4 or IPv6) whose attempts are never counted nor throttled. */
  allowlist: string[];
}

export type BruteForceMode = "count_per_identifier_and_ip" | "count_per_identifier";
export type BruteForceShield = "block" | "user_notification";

export const DEFAULT_BRUTE_FORCE: BruteForceSettings = {
  enabled: true,
  maxAttempts: 10,
  mode: "count_per_identifier_and_ip",
  shields: ["block", "user_notification"],
  allowlist: [],
};

export const DATABASE_STRATEGY = "database";

export function isDatabaseConnection(connection: Pick<Connection, "strategy">): boolean {
  return connection.strategy === DATABASE_STRATEGY;
}

export interface NewConnection {
  name: string;
  strategy: string;
  policy?: Partial<PasswordPolicy>;
  bruteForce?: Partial<BruteForceSettings>;
  signup?: SignupMode;
  store?: StoreConfig;
}

export const DEFAULT_POLICY: PasswordPolicy = {
  level: "none" satisfies PasswordLevel,
  minLength: 15,
  historySize: 5,
  dictionary: true,
  noPersonalInfo: true,
};

/** Whether the connection's users live in an organisation's own store rather than Passdesk's. */
export function hasExternalStore(connection: Pick<Connection, "store">): boolean {
  return connection.store !== undefined;
}
