import type { SetPasswordEligibility } from "../../password-reset/set-password-eligibility.ts";
import { escapeMrkdwn } from "../block-kit.ts";

export type IneligibleReason = Extract<SetPasswordEligibility, { ok: false }>["reason"];

/**
 * Why no password can be set for this target: the one wording for each reason, in the
 * /set-password reply (mrkdwn) and under the modal's method when the check fails again on
 * submit (`plain`: Slack shows a modal's errors as plain text, so marks would show literally).
 */
export function describeIneligible(
  reason: IneligibleReason,
  target: { email: string; connection: string },
  format: "mrkdwn" | "plain" = "mrkdwn",
): string {
  const plain = format === "plain";
  const connection = plain ? `"${target.connection}"` : `\`${escapeMrkdwn(target.connection)}\``;
  const email = plain ? target.email : `*${escapeMrkdwn(target.email)}*`;
  switch (reason) {
    case "connection_not_found":
      return `There is no connection named ${connection}. Leave it out to use the default one.`;
    case "not_a_database_connection":
      return `${connection} is a social or enterprise connection: its users sign in there and have no password Passdesk can set.`;
    case "user_not_found":
      return `There is no user ${email} in ${connection}: no password was set.`;
  }
}
