import type { SetPasswordApproval } from "../../approvals/ports.ts";
import { maskEmail } from "../../users/email.ts";
import { escapeMrkdwn, type KnownBlock, mentionUser, mrkdwn, plainText } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";
import { slackDate } from "../reveal/message.ts";

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** What the card shows of a request: the target masked, since the channel may be wide. */
function requestFields(approval: SetPasswordApproval, email: string): KnownBlock {
  return {
    type: "section",
    fields: [
      mrkdwn(`*User*\n${escapeMrkdwn(maskEmail(email))}`),
      mrkdwn(`*Connection*\n${escapeMrkdwn(approval.connection)}`),
      mrkdwn(`*Requested by*\n${mentionUser(approval.requester.userId)}`),
      mrkdwn(`*Reason*\n${escapeMrkdwn(approval.reason)}`),
    ],
  };
}

/**
 * The card asking a second admin to approve a password set. The buttons carry the request's
 * public id only; who clicks, and whether the request is still pending, is checked on the click.
 */
export function buildApprovalCard(approval: SetPasswordApproval, email: string): SlackMessage {
  return {
    text: `A password set for ${maskEmail(email)} needs a second admin's approval.`,
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          ":closed_lock_with_key: *A password set needs a second admin's approval.* On approval, a strong password is generated and sent to the user alone.",
        ),
      },
      requestFields(approval, email),
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: ACTION_IDS.approveSetPassword,
            text: plainText("Approve"),
            style: "primary",
            value: approval.publicId,
          },
          {
            type: "button",
            action_id: ACTION_IDS.denySetPassword,
            text: plainText("Deny"),
            style: "danger",
            value: approval.publicId,
          },
        ],
      },
      {
        type: "context",
        elements: [
          mrkdwn(`Any admin but the requester may decide, until ${slackDate(approval.expiresAt)}.`),
        ],
      },
    ],
  };
}

/** What became of a request, as its card says once the buttons are gone. */
export function describeOutcome(approval: SetPasswordApproval): string {
  const by = approval.decidedBy ? mentionUser(approval.decidedBy) : "";
  switch (approval.status) {
    case "approved":
      return `:white_check_mark: Approved by ${by}: the password was set and sent to the user, waiting for them to reveal it.`;
    case "denied":
      return `:no_entry: Denied by ${by}: nothing changed.`;
    case "expired":
      return ":hourglass: Expired: no admin decided in time, so nothing changed.";
    case "failed":
      return `:warning: Approved by ${by}, but the password could not be set: nothing changed.`;
    case "pending":
      return ":hourglass_flowing_sand: Waiting for a second admin.";
  }
}

/** The card once decided, expired or failed: the request's facts and outcome, no buttons. */
export function buildClosedCard(approval: SetPasswordApproval, email: string): SlackMessage {
  const outcome = describeOutcome(approval);
  return {
    text: `Password set for ${maskEmail(email)}: ${approval.status}.`,
    blocks: [{ type: "section", text: mrkdwn(outcome) }, requestFields(approval, email)],
  };
}

/** The requester's DM: what became of the request they made. */
export function buildRequesterNotice(approval: SetPasswordApproval, email: string): SlackMessage {
  const text = `Your request to set the password of ${escapeMrkdwn(email)} (${escapeMrkdwn(approval.connection)}): ${describeOutcome(approval)}`;
  return { text, blocks: [{ type: "section", text: mrkdwn(text) }] };
}
