import type { PasswordHasher } from "../passwords/hasher.ts";
import { isReusedPassword } from "../passwords/history.ts";
import { checkPassword, type PasswordRule } from "../passwords/policy.ts";
import type { RefreshTokenStore, SignInFailureStore } from "../sign-in/ports.ts";
import type { Connection } from "../users/connection.ts";
import type { UserStore } from "../users/ports.ts";
import type { User } from "../users/user.ts";
import { type ChangeActor, createChangeEvent } from "../webhooks/events.ts";
import type { ChangeEventOutbox } from "../webhooks/ports.ts";
import type { TicketStore } from "./ports.ts";

/** One rule's outcome; `ok` is undefined for a rule that was not evaluated. */
export interface RuleVerdict {
  rule: PasswordRule;
  message: string;
  ok: boolean | undefined;
}

export type NewPasswordVerdict =
  /** `password` is NFC-normalised: hash this one, not the input. */
  | { ok: true; password: string }
  /**
   * `rules` lists every rule of the policy in display order. History is evaluated only when
   * everything else passed, so its `ok` is undefined when something else failed.
   */
  | { ok: false; mismatch: boolean; rules: RuleVerdict[] };

/**
 * Whose password it is: a user (their history applies), or someone signing up, who has no id
 * and no history yet. The rest is what the personal-data rule looks for.
 */
export type PasswordOwner = Pick<
  User,
  "email" | "name" | "givenName" | "familyName" | "nickname" | "username"
> & { id?: number };

/**
 * Checks a candidate password against the connection's whole policy, and against its
 * confirmation when there is one. The history check costs one Argon2 verification per stored
 * hash, as much CPU as a hash: it runs last, only for a password that passes every other rule
 * and matches its confirmation, so that a refused submission costs no Argon2 work at all.
 */
export async function evaluateNewPassword(
  stores: { users: Pick<UserStore, "recentPasswordHashes"> },
  hasher: PasswordHasher,
  owner: PasswordOwner,
  connection: Connection,
  input: { password: string; confirmation?: string },
): Promise<NewPasswordVerdict> {
  const mismatch = input.confirmation !== undefined && input.password !== input.confirmation;
  const check = checkPassword(input.password, connection.policy, {
    personal: {
      email: owner.email,
      name: owner.name,
      givenName: owner.givenName,
      familyName: owner.familyName,
      nickname: owner.nickname,
      username: owner.username,
    },
  });
  const rules: RuleVerdict[] = check.rules.map((result) => ({
    ...result,
    ok: result.rule === "history" ? undefined : result.ok,
  }));
  if (mismatch || rules.some((rule) => rule.ok === false)) return { ok: false, mismatch, rules };

  const historySize = connection.policy.historySize;
  const reused =
    historySize > 0 &&
    owner.id !== undefined &&
    (await isReusedPassword(
      check.password,
      await stores.users.recentPasswordHashes(owner.id, historySize),
      hasher,
    ));
  if (!reused) return { ok: true, password: check.password };
  return {
    ok: false,
    mismatch: false,
    rules: rules.map((rule) => (rule.rule === "history" ? { ...rule, ok: false } : rule)),
  };
}

/** The rules a refused password failed (not those left unevaluated). */
export function failedRules(verdict: { rules: readonly RuleVerdict[] }): RuleVerdict[] {
  return verdict.rules.filter((rule) => rule.ok === false);
}

/** Whether the history rule applies but was not evaluated. */
export function isHistoryUnchecked(verdict: { rules: readonly RuleVerdict[] }): boolean {
  return verdict.rules.some((rule) => rule.rule === "history" && rule.ok === undefined);
}

/** What a password change changes together with the password itself (and publishes). */
export interface PasswordChangePorts {
  changeEvents: Pick<ChangeEventOutbox, "publish">;
  users: Pick<UserStore, "setPasswordHash">;
  tickets: Pick<TicketStore, "revokeUnusedForUser">;
  refreshTokens: Pick<RefreshTokenStore, "revokeForUser">;
  signInFailures: Pick<SignInFailureStore, "clear">;
}

/** What a password change ended, for its audit entry (Auth0's `scp`: a changed password). */
export interface PasswordChangeEffects {
  logType: "scp";
  revokedRefreshTokens: number;
  /** Brute-force blocks lifted: a new password is a fresh start. */
  liftedSignInBlocks: number;
}

/**
 * Makes `hash` the user's password and ends what the old one allowed: every outstanding reset
 * link, every refresh token (the apps where they are signed in must ask for the new one) and
 * every brute-force block of their sign-in. Every password change goes through here, so each
 * one publishes `password.changed` (apps end the user's sessions on it), in its transaction.
 */
export async function storeNewPassword(
  stores: PasswordChangePorts,
  user: Pick<User, "id" | "connectionId" | "email">,
  hash: string,
  at: Date,
  change: { connection: string; by: ChangeActor },
): Promise<PasswordChangeEffects> {
  await stores.users.setPasswordHash(user.id, hash, at);
  await stores.changeEvents.publish(createChangeEvent("password.changed", { user, ...change }, at));
  await stores.tickets.revokeUnusedForUser(user.id, at);
  const revokedRefreshTokens = await stores.refreshTokens.revokeForUser(
    user.id,
    "password_changed",
    at,
  );
  const liftedSignInBlocks = await stores.signInFailures.clear(user.connectionId, user.email);
  return { logType: "scp", revokedRefreshTokens, liftedSignInBlocks };
}
