import type { Stores } from "../db/stores.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import { isReusedPassword } from "../passwords/history.ts";
import { checkPassword, normalizePassword, type PasswordCheck } from "../passwords/policy.ts";
import type { Connection } from "./connection.ts";
import type { User } from "./user.ts";

/** Checks a candidate password against the connection's whole policy, history included. */
export async function evaluateNewPassword(
  stores: Pick<Stores, "users">,
  hasher: PasswordHasher,
  user: User,
  connection: Connection,
  password: string,
): Promise<PasswordCheck> {
  const historySize = connection.policy.historySize;
  const reused =
    historySize > 0 &&
    (await isReusedPassword(
      normalizePassword(password),
      await stores.users.recentPasswordHashes(user.id, historySize),
      hasher,
    ));
  return checkPassword(password, connection.policy, {
    personal: {
      email: user.email,
      name: user.name,
      givenName: user.givenName,
      familyName: user.familyName,
      nickname: user.nickname,
    },
    reused,
  });
}

/** Makes `hash` the user's password and invalidates every outstanding reset link. */
export async function storeNewPassword(
  stores: Pick<Stores, "users" | "tickets">,
  userId: number,
  hash: string,
  at: Date,
): Promise<void> {
  await stores.users.setPasswordHash(userId, hash, at);
  await stores.tickets.revokeUnusedForUser(userId, at);
}
