import type { SetPasswordEligibility } from "../../password-reset/set-password-eligibility.ts";
import { escapeMrkdwn } from "../block-kit.ts";

export type IneligibleReason = Extract<SetPasswordEligibility, { ok: false }>["reason"];

/**
 * Why no password can be set for this target: the one wording for each reason, in the
 * /set-password reply and under the modal's method when the check fails again on submit.
 */
export function describeIneligible(
  reason: IneligibleReason,
  target: { email: string; connection: string },
): string {
  const connection = `\`${escapeMrkdwn(target.connection)}\``;
  switch (reason) {
    case "connection_not_found":
      return `There is no connection named ${connection}. Leave it out to use the default one.`;
    case "not_a_database_connection":
      return `${connection} is a social or enterprise connection: its users sign in there and have no password Passdesk can set.`;
    case "user_not_found":
      return `There is no user *${escapeMrkdwn(target.email)}* in ${connection}: no password was set.`;
  }
}
