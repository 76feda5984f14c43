import type { Connection } from "../users/connection.ts";
import type { User } from "../users/user.ts";

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
  /** A right password: the consecutive count starts over. */
  succeeded(attempt: SignInAttempt): Promise<void>;
  /**
   * A wrong password, or an unknown user (`user` undefined). When this failure reaches the limit
   * the block starts: audited, posted to the audit channel, and the user notified.
   */
  failed(attempt: SignInAttempt, user: User | undefined): Promise<void>;
}
