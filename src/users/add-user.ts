import type { PasswordHasher } from "../passwords/hasher.ts";
import { checkPassword, type RuleResult } from "../passwords/policy.ts";
import { type Connection, isDatabaseConnection } from "./connection.ts";
import { isValidEmail, normalizeEmail } from "./email.ts";
import type { ConnectionStore, UserStore } from "./ports.ts";
import type { NewUser, User } from "./user.ts";

export type AddUserResult =
  | { ok: true; user: User; connection: Connection }
  | {
      ok: false;
      reason: "connection_not_found" | "not_database_connection" | "invalid_email" | "email_taken";
    }
  | { ok: false; reason: "weak_password"; failures: RuleResult[] };

export interface AddUserInput extends Omit<NewUser, "passwordHash"> {
  connection: string;
  password: string;
}

/** Creates a user in a database connection with a password that passes the connection's policy. */
export async function addUser(
  stores: {
    connections: Pick<ConnectionStore, "findByName">;
    users: Pick<UserStore, "add">;
  },
  hasher: PasswordHasher,
  { connection: connectionName, password, ...profile }: AddUserInput,
): Promise<AddUserResult> {
  const connection = await stores.connections.findByName(connectionName);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  if (!isDatabaseConnection(connection)) return { ok: false, reason: "not_database_connection" };
  const email = normalizeEmail(profile.email);
  if (!isValidEmail(email)) return { ok: false, reason: "invalid_email" };
  const check = checkPassword(password, connection.policy, { personal: { ...profile, email } });
  if (!check.ok)
    return { ok: false, reason: "weak_password", failures: check.rules.filter((rule) => !rule.ok) };
  const user = await stores.users.add(connection.id, {
    ...profile,
    email,
    passwordHash: await hasher.hash(check.password),
  });
  return user ? { ok: true, user, connection } : { ok: false, reason: "email_taken" };
}
