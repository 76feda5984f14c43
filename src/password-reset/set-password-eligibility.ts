import { type Connection, isDatabaseConnection } from "../users/connection.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";

/** Whose password an admin may set: a user of a database connection, by connection and email. */
export interface SetPasswordTarget {
  connection: string;
  email: string;
  /** When given, the user found must be this one (see `checkSetPasswordEligibility`). */
  userId?: number;
}

export type SetPasswordEligibility =
  | { ok: true; user: User; connection: Connection }
  | { ok: false; reason: "connection_not_found" | "not_a_database_connection" | "user_not_found" };

export interface SetPasswordEligibilityPorts {
  connections: Pick<ConnectionStore, "findByName">;
  users: Pick<UserStore, "findByEmail">;
}

/**
 * The one rule for who may be given a password by an admin: the connection exists, holds
 * passwords (social and enterprise users sign in elsewhere), and has this user. Checked when the
 * form opens and again when it is submitted, since either can change in between; a `userId`
 * pins the check to the user the form was opened for, so a form for a deleted user never sets
 * the password of whoever took the address since.
 */
export async function checkSetPasswordEligibility(
  stores: SetPasswordEligibilityPorts,
  target: SetPasswordTarget,
): Promise<SetPasswordEligibility> {
  const connection = await stores.connections.findByName(target.connection);
  if (!connection) return { ok: false, reason: "connection_not_found" };
  if (!isDatabaseConnection(connection)) return { ok: false, reason: "not_a_database_connection" };
  const user = await stores.users.findByEmail(connection.id, target.email);
  if (!user || (target.userId !== undefined && user.id !== target.userId)) {
    return { ok: false, reason: "user_not_found" };
  }
  return { ok: true, user, connection };
}
