import type { Connection } from "../users/connection.ts";
import type { User } from "../users/user.ts";
import { allowlistOf } from "./allowlist.ts";
import { type BlockNoticeDependencies, noticeBlock } from "./block-notice.ts";
import { countedIpOf } from "./counted-ip.ts";
import {
  chargeIpFailure,
  checkIpThrottle,
  type IpThrottleLimits,
  type IpThrottlePorts,
} from "./ip-throttle.ts";
import { ANY_IP, type FailureCount, type FailureKey, type SignInFailureStore } from "./ports.ts";

/** One sign-in attempt, as brute-force protection sees it. */
export interface SignInAttempt {
  connection: Connection;
  /** Normalised as UserStore normalises emails. */
  email: string;
  ip: string;
  at: Date;
}

export type AttemptAdmission =
  | { allowed: true }
  | { allowed: false; reason: "identifier_blocked" | "ip_throttled"; retryAfterSeconds?: number };

/**
 * Auth0's brute-force protection for one process (its counts are shared through the database).
 * Known and unknown identifiers are counted alike, so neither the cost nor the answer says
 * whether an account exists.
 */
export interface BruteForceGuard {
  /**
   * Counts the attempt before the password is checked, so that concurrent attempts cannot pass
   * the limit, and says whether it may go on.
   */
  admit(attempt: SignInAttempt): Promise<AttemptAdmission>;
  /** A right password: the consecutive count starts over. Takes the object `admit` was given. */
  succeeded(attempt: SignInAttempt): Promise<void>;
  /**
   * A wrong password, or an unknown user (`user` undefined). When this failure reaches the limit
   * the block starts: audited, posted to the audit channel, and the user notified. Takes the
   * object `admit` was given: admit remembers which attempt reached the limit.
   */
  failed(attempt: SignInAttempt, user: User | undefined): Promise<void>;
  /**
   * The password was never checked (Argon2 was busy and the request refused): the attempt is
   * taken back, so that a user who retries while the service is overloaded is not blocked for it.
   */
  abandoned(attempt: SignInAttempt): Promise<void>;
}

export interface BruteForceGuardDependencies
  extends Omit<BlockNoticeDependencies, "repo" | "runInBackground"> {
  repo: BlockNoticeDependencies["repo"] &
    IpThrottlePorts & {
      signInFailures: Pick<SignInFailureStore, "count" | "reset" | "uncount" | "clear">;
    };
  /** SIGN_IN_IP_FAILURES_BURST and _PER_MINUTE. */
  ipThrottle: IpThrottleLimits;
  /**
   * Runs work the answer must not wait for (the user's email). By default it runs unawaited, its
   * failure logged; tests pass one they can await.
   */
  runInBackground?(task: () => Promise<void>): void;
}

/**
 * The key an attempt is counted under: its IP (an IPv6 one by its /64, see countedIpOf), or '*'
 * when the connection ignores IPs.
 */
export function failureKeyOf(attempt: SignInAttempt): FailureKey {
  const { connection, email, ip } = attempt;
  return {
    connectionId: connection.id,
    email,
    ip: connection.bruteForce.mode === "count_per_identifier" ? ANY_IP : countedIpOf(ip),
  };
}

/**
 * Auth0's brute-force protection and suspicious-IP throttling over the shared stores. Every step
 * runs the same statements for known and unknown identifiers; only the email waits for a user.
 */
export function createBruteForceGuard(deps: BruteForceGuardDependencies): BruteForceGuard {
  const { repo, ipThrottle, logger } = deps;
  const runInBackground =
    deps.runInBackground ??
    ((task: () => Promise<void>) =>
      void task().catch((error) => logger.error({ err: error }, "sign-in block notice failed")));
  const notice = { ...deps, runInBackground };
  // The attempts admit let through that reached the maximum, with their count: concurrent
  // attempts may share a millisecond, but only one of them got the count that blocks.
  const reachedLimit = new WeakMap<SignInAttempt, FailureCount>();
  const exempt = ({ connection, ip }: SignInAttempt) =>
    allowlistOf(connection.bruteForce.allowlist)(ip);
  const counted = ({ connection }: SignInAttempt) => connection.bruteForce.enabled;
  const blocks = ({ connection }: SignInAttempt) => connection.bruteForce.shields.includes("block");

  return {
    async admit(attempt) {
      if (exempt(attempt)) return { allowed: true };
      const throttle = await checkIpThrottle(repo, ipThrottle, countedIpOf(attempt.ip), attempt.at);
      if (throttle.throttled) {
        return {
          allowed: false,
          reason: "ip_throttled",
          retryAfterSeconds: throttle.retryAfterSeconds,
        };
      }
      if (!counted(attempt)) return { allowed: true };
      const { maxAttempts } = attempt.connection.bruteForce;
      const [count] = await repo.signInFailures.count(
        [failureKeyOf(attempt)],
        maxAttempts,
        attempt.at,
      );
      if (!count) return { allowed: true };
      const reached =
        count.failures === maxAttempts && count.blockedAt?.getTime() === attempt.at.getTime();
      if (reached) reachedLimit.set(attempt, count);
      const blocked = count.failures > maxAttempts || (count.blockedAt !== null && !reached);
      return blocked && blocks(attempt)
        ? { allowed: false, reason: "identifier_blocked" }
        : { allowed: true };
    },

    async succeeded(attempt) {
      if (exempt(attempt) || !counted(attempt)) return;
      const key = failureKeyOf(attempt);
      // Without the block shield a "block" only marks that the user was told: a right password
      // ends it. With it, only the block this very attempt set is lifted.
      if (!blocks(attempt)) await repo.signInFailures.clear(key.connectionId, key.email, key.ip);
      else
        await repo.signInFailures.reset([key], reachedLimit.get(attempt)?.blockedAt ?? undefined);
    },

    async abandoned(attempt) {
      if (exempt(attempt) || !counted(attempt)) return;
      await repo.signInFailures.uncount(
        failureKeyOf(attempt),
        reachedLimit.get(attempt)?.blockedAt ?? undefined,
      );
    },

    async failed(attempt, user) {
      if (exempt(attempt)) return;
      await chargeIpFailure(repo, ipThrottle, countedIpOf(attempt.ip), attempt.at);
      const count = reachedLimit.get(attempt);
      if (count && counted(attempt)) await noticeBlock(notice, attempt.connection, count, user);
    },
  };
}
