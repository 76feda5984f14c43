import type { PasswordLevel, PasswordPolicy } from "../passwords/policy.ts";

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
  signup: SignupMode;
}

export const DATABASE_STRATEGY = "database";

export function isDatabaseConnection(connection: Pick<Connection, "strategy">): boolean {
  return connection.strategy === DATABASE_STRATEGY;
}

export interface NewConnection {
  name: string;
  strategy: string;
  policy?: Partial<PasswordPolicy>;
  signup?: SignupMode;
}

export const DEFAULT_POLICY: PasswordPolicy = {
  level: "none" satisfies PasswordLevel,
  minLength: 15,
  historySize: 5,
  dictionary: true,
  noPersonalInfo: true,
};
