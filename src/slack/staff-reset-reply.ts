import type { StaffResetResult } from "../password-reset/staff-reset.ts";
import { describeResetOutcome, type ResetOutcome } from "./views/messages.ts";

/** The requester's ephemeral answer to a staff reset, from /reset-password or a Resend button. */
export function describeStaffReset(
  result: StaffResetResult,
  email: string,
  connection: string,
): string {
  const social = "socialConnection" in result ? result.socialConnection : undefined;
  const outcome: ResetOutcome =
    result.outcome === "rate_limited"
      ? { reason: "rate_limited", retryAfterSeconds: result.retryAfterSeconds }
      : social
        ? { reason: "not_database_connection" }
        : { reason: result.outcome };
  return describeResetOutcome(outcome, { email, connection: social ?? connection });
}
