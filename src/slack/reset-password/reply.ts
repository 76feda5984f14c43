import type { StaffResetResult } from "../../password-reset/staff-reset.ts";
import { escapeMrkdwn, mentionUser } from "../block-kit.ts";

/** Everything `/reset-password` (or its Resend button) can end in, as the requester is told. */
export type ResetOutcome =
  | {
      reason:
        | "queued"
        | "deferred"
        | "unknown_user"
        | "not_database_connection"
        | "blocked"
        | "template_disabled"
        | "recipient_limited"
        | "invalid_email"
        | "connection_not_found"
        | "denied";
    }
  | { reason: "rate_limited"; retryAfterSeconds: number }
  | { reason: "user_not_found_in_slack"; slackUserId: string };

export interface ResetTarget {
  /** The email as resolved, or as typed when it is not a valid one. */
  email: string;
  connection: string;
}

/**
 * The ephemeral reply to `/reset-password`. Unlike the public endpoint it tells the truth about
 * the account (the requester is authorised staff), so it shows the email in full.
 */
export function describeResetOutcome(outcome: ResetOutcome, target: ResetTarget): string {
  const email = `*${escapeMrkdwn(target.email)}*`;
  const connection = `\`${escapeMrkdwn(target.connection)}\``;
  switch (outcome.reason) {
    case "queued":
      return `:email: Password reset email queued for ${email} in ${connection}.`;
    case "deferred":
      return `:hourglass: The user store of ${connection} is not answering right now. The request for ${email} is kept: Passdesk asks the store again shortly, and the email goes out if the user is there.`;
    case "unknown_user":
      return `There is no user ${email} in ${connection}: no email was sent.`;
    case "not_database_connection":
      return `${connection} is a social or enterprise connection: ${email} signs in there and must reset their password with that provider. No email was sent.`;
    case "blocked":
      return `${email} is blocked in ${connection}: no email was sent.`;
    case "template_disabled":
      return `The password reset email template is disabled, so no email was sent to ${email}. An admin can enable it.`;
    case "recipient_limited":
      return `${email} was sent too many reset emails recently: no email was sent, and their newest link still works.`;
    case "rate_limited":
      return `Too many reset emails for ${email} recently: try again in ${formatWait(outcome.retryAfterSeconds)}.`;
    case "invalid_email":
      return `${email} is not a valid email address. Give an email or an @mention.`;
    case "connection_not_found":
      return `There is no connection named ${connection}. Leave it out to use the default one.`;
    case "user_not_found_in_slack":
      return `${mentionUser(outcome.slackUserId)} has no email address in their Slack profile: use their email instead.`;
    case "denied":
      return "You need the *support* or *admin* role to reset passwords: ask a Passdesk admin.";
  }
}

function formatWait(seconds: number): string {
  const whole = Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 60;
  if (whole < 90) return whole === 1 ? "1 second" : `${whole} seconds`;
  return `${Math.ceil(whole / 60)} minutes`;
}

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

/** The line added when the user is locked out of sign-in now (brute-force protection). */
export function describeLockout(lockedOutIps: number): string {
  if (lockedOutIps === 0) return "";
  const where = lockedOutIps === 1 ? "one IP address" : `${lockedOutIps} IP addresses`;
  return `:lock: They are locked out of sign-in from ${where} after too many failed attempts. Completing a password reset lifts it; so does the *Unblock* button on the block in the audit channel.`;
}
