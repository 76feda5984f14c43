import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import type { Clock } from "../clock.ts";
import { HasherBusyError } from "../passwords/bounded-hasher.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import { isDatabaseConnection } from "../users/connection.ts";
import { isValidEmail, normalizeEmail } from "../users/email.ts";
import type { ConnectionStore, PasswordCheck, UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import type { BruteForceGuard, SignInAttempt } from "./brute-force.ts";

export interface PasswordGrantDependencies {
  stores: {
    connections: Pick<ConnectionStore, "findByName">;
    users: Pick<UserStore, "findByEmail" | "verifyPassword" | "replacePasswordHash">;
    audit: Pick<AuditLog, "record">;
  };
  /** The process-wide bounded hasher: the dummy check and rehashes go through it too. */
  hasher: PasswordHasher;
  /** A hash of no one's password with the current parameters: what an unknown user costs. */
  dummyHash: string;
  guard: BruteForceGuard;
  clock: Clock;
}

export interface PasswordGrantInput {
  connection: string;
  username: string;
  password: string;
  clientId: string;
  ip: string;
}

export type PasswordGrantOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: "connection_not_found" | "wrong_credentials" | "user_blocked" }
  | {
      ok: false;
      reason: "too_many_attempts" | "ip_throttled";
      retryAfterSeconds: number | undefined;
    };

/**
 * Auth0's Resource Owner Password grant on a database connection. An unknown email, a wrong
 * password, a user without a password and a user of another connection cost the same (one Argon2
 * verification with the current parameters and the same statements) and get the same answer;
 * only after the right password does a blocked user learn that they are blocked.
 */
export async function signInWithPassword(
  deps: PasswordGrantDependencies,
  input: PasswordGrantInput,
): Promise<PasswordGrantOutcome> {
  const { stores, clock } = deps;
  const connection = await stores.connections.findByName(input.connection);
  if (!connection || !isDatabaseConnection(connection)) {
    return { ok: false, reason: "connection_not_found" };
  }
  const email = normalizeEmail(input.username);
  const attempt: SignInAttempt = { connection, email, ip: input.ip, at: clock.now() };
  const audit = (outcome: string, logType: string, details: Record<string, unknown> = {}) =>
    stores.audit.record({
      actorType: "public",
      actorId: input.ip,
      action: "sign_in",
      outcome,
      targetEmail: email,
      connection: connection.name,
      details: { logType, clientId: input.clientId, ...details },
    } satisfies AuditEntry);

  const user = isValidEmail(email)
    ? await stores.users.findByEmail(connection.id, email)
    : undefined;
  const admission = await deps.guard.admit(attempt);
  if (!admission.allowed) {
    const ipThrottled = admission.reason === "ip_throttled";
    await audit("refused", ipThrottled ? "limit_mu" : "limit_wc");
    return {
      ok: false,
      reason: ipThrottled ? "ip_throttled" : "too_many_attempts",
      retryAfterSeconds: admission.retryAfterSeconds,
    };
  }

  let check: PasswordCheck | { ok: false; reason: "unknown_user" };
  try {
    check = user
      ? await stores.users.verifyPassword(user, input.password)
      : { ok: false, reason: "unknown_user" };
    // What a known user's hash would have cost, so that the answer's timing tells nothing.
    if (!check.ok && check.reason !== "wrong_password") {
      await deps.hasher.verify(deps.dummyHash, input.password);
    }
  } catch (error) {
    if (error instanceof HasherBusyError) await deps.guard.abandoned(attempt);
    throw error;
  }
  if (!check.ok) {
    await deps.guard.failed(attempt, user);
    await audit("failed", check.reason === "unknown_user" ? "fu" : "fp");
    return { ok: false, reason: "wrong_credentials" };
  }
  // Known from here on: only the right password reaches this line.
  const signedIn = user as User;
  await deps.guard.succeeded(attempt);
  if (signedIn.blocked) {
    await audit("refused", "f", { reason: "user_blocked" });
    return { ok: false, reason: "user_blocked" };
  }
  const rehashed = check.needsRehash && (await rehash(deps, signedIn, input.password));
  await audit("succeeded", "s", rehashed ? { rehashed: true } : {});
  return { ok: true, user: signedIn };
}

/** An imported (bcrypt, or other argon2 parameters) hash becomes a current one, silently. */
async function rehash(deps: PasswordGrantDependencies, user: User, password: string) {
  if (user.passwordHash === null) return false;
  const hash = await deps.hasher.hash(password);
  return deps.stores.users.replacePasswordHash(user.id, user.passwordHash, hash);
}
