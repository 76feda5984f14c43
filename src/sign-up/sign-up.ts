import type { AuditEntry, AuditLog } from "../audit/ports.ts";
import type { ClientStore } from "../clients/ports.ts";
import type { Clock } from "../clock.ts";
import { evaluateNewPassword, type RuleVerdict } from "../password-reset/new-password.ts";
import { type RateLimitStatus, summarizeBuckets } from "../password-reset/rate-limit.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { PasswordPolicy } from "../passwords/policy.ts";
import type { RateLimitStore } from "../rate-limits/ports.ts";
import type { Transaction } from "../unit-of-work.ts";
import { isDatabaseConnection } from "../users/connection.ts";
import { normalizeEmail } from "../users/email.ts";
import type { ConnectionStore, UserStore } from "../users/ports.ts";
import type { NewUser, User } from "../users/user.ts";
import { type SignUpLimits, signUpBuckets } from "./rate-limit.ts";

/** What Auth0's signup takes besides the email and password; already checked for shape. */
export type SignUpProfile = Pick<
  NewUser,
  "username" | "givenName" | "familyName" | "name" | "nickname" | "picture" | "userMetadata"
>;

export interface SignUpInput {
  clientId: string;
  connection: string;
  email: string;
  password: string;
  profile: SignUpProfile;
  clientIp: string;
}

export type SignUpRefusal =
  | "invalid_client"
  | "connection_not_found"
  | "not_database_connection"
  | "signup_closed"
  | "user_exists";

export type SignUpResult =
  | { ok: true; user: User; rateLimit: RateLimitStatus }
  | { ok: false; reason: SignUpRefusal }
  | { ok: false; reason: "rate_limited"; rateLimit: RateLimitStatus }
  /** `rules` as evaluateNewPassword gives them; the policy they were read from, for the answer. */
  | { ok: false; reason: "invalid_password"; rules: RuleVerdict[]; policy: PasswordPolicy };

export interface SignUpDependencies {
  stores: {
    clients: Pick<ClientStore, "findByClientId">;
    connections: Pick<ConnectionStore, "findByName">;
    users: Pick<UserStore, "findByEmail" | "recentPasswordHashes">;
    rateLimits: Pick<RateLimitStore, "take">;
    audit: Pick<AuditLog, "record">;
  };
  transaction: Transaction<{ users: Pick<UserStore, "add">; audit: Pick<AuditLog, "record"> }>;
  hasher: PasswordHasher;
  clock: Clock;
  limits: SignUpLimits;
}

/**
 * Auth0's public signup: creates a user in a database connection whose signup is open, with a
 * password that passes the connection's whole policy (personal data included), hashed through
 * the process-wide bounded hasher, which may throw HasherBusyError before anything is stored.
 *
 * Unlike the reset request, this cannot answer alike for known and unknown emails: Auth0's SDKs
 * expect `user_exists`, so an open connection tells anyone who has an account in it. That is why
 * signup is closed by default, and why the IP's bucket is taken before anything is looked up:
 * every answer, a refusal included, costs a token.
 */
export async function signUp(deps: SignUpDependencies, input: SignUpInput): Promise<SignUpResult> {
  const { stores, clock } = deps;
  const email = normalizeEmail(input.email);
  const now = clock.now();
  const audit = (outcome: "success" | "failure", reason: string | null, connection?: string) =>
    ({
      actorType: "public",
      actorId: input.clientIp,
      action: "signup",
      outcome,
      targetEmail: email,
      connection: connection ?? null,
      details: reason === null ? { logType: "ss" } : { logType: "fs", reason },
    }) satisfies AuditEntry;

  const buckets = await stores.rateLimits.take(signUpBuckets(deps.limits, input.clientIp), now);
  const rateLimit = summarizeBuckets(buckets, now);
  if (!rateLimit.allowed) {
    await stores.audit.record(audit("failure", "rate_limited"));
    return { ok: false, reason: "rate_limited", rateLimit };
  }

  const refuse = async (reason: SignUpRefusal, connection?: string): Promise<SignUpResult> => {
    await stores.audit.record(audit("failure", reason, connection));
    return { ok: false, reason };
  };
  if (!(await stores.clients.findByClientId(input.clientId))) return refuse("invalid_client");
  const connection = await stores.connections.findByName(input.connection);
  if (!connection) return refuse("connection_not_found");
  if (!isDatabaseConnection(connection)) return refuse("not_database_connection", connection.name);
  if (connection.signup !== "open") return refuse("signup_closed", connection.name);

  const { profile } = input;
  const verdict = await evaluateNewPassword(
    stores,
    deps.hasher,
    {
      email,
      name: profile.name ?? null,
      givenName: profile.givenName ?? null,
      familyName: profile.familyName ?? null,
      nickname: profile.nickname ?? null,
      username: profile.username ?? null,
    },
    connection,
    { password: input.password },
  );
  if (!verdict.ok) {
    await stores.audit.record(audit("failure", "invalid_password", connection.name));
    return {
      ok: false,
      reason: "invalid_password",
      rules: verdict.rules,
      policy: connection.policy,
    };
  }
  // Before the hash: a taken email should cost no Argon2 work. The insert below still decides.
  if (await stores.users.findByEmail(connection.id, email))
    return refuse("user_exists", connection.name);

  const passwordHash = await deps.hasher.hash(verdict.password);
  const user = await deps.transaction(async (ports) => {
    const added = await ports.users.add(connection.id, {
      ...profile,
      email,
      emailVerified: false,
      passwordHash,
    });
    if (added) await ports.audit.record(audit("success", null, connection.name));
    return added;
  });
  if (!user) return refuse("user_exists", connection.name);
  return { ok: true, user, rateLimit };
}
