import type { PasswordLevel, PasswordPolicy } from "../passwords/policy.ts";

/** A place users live. Only `database` connections hold passwords Passdesk can change. */
export interface Connection {
  id: number;
  name: string;
  strategy: string;
  policy: PasswordPolicy;
}

export const DATABASE_STRATEGY = "database";

export function isDatabaseConnection(connection: Pick<Connection, "strategy">): boolean {
  return connection.strategy === DATABASE_STRATEGY;
}

export interface NewConnection {
  name: string;
  strategy: string;
  policy?: Partial<PasswordPolicy>;
}

export const DEFAULT_POLICY: PasswordPolicy = {
  level: "none" satisfies PasswordLevel,
  minLength: 15,
  historySize: 5,
  dictionary: true,
  noPersonalInfo: true,
};
