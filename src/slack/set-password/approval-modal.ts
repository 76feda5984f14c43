import { MAX_REASON_LENGTH } from "../../approvals/request-approval.ts";
import {
  escapeMrkdwn,
  INPUT_ACTION_ID,
  type KnownBlock,
  type ModalView,
  mrkdwn,
  plainText,
  SLACK_LIMITS,
} from "../block-kit.ts";
import { CALLBACK_IDS, SET_PASSWORD_BLOCKS } from "../contract.ts";
import { slackDate } from "../reveal/message.ts";

/**
 * The `/set-password` modal when a second admin must approve: no password to type or see (it
 * would have to be stored while the request waits), only "Send it to the user", and a reason.
 */
export function buildApprovalRequestModal(input: {
  target: { email: string; connection: string };
  lifetimeSeconds: number;
  privateMetadata: string;
}): ModalView {
  if (input.privateMetadata.length > SLACK_LIMITS.privateMetadataChars) {
    throw new RangeError("private_metadata exceeds Slack's 3000-character limit");
  }
  const minutes = Math.round(input.lifetimeSeconds / 60);
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.setPasswordModal,
    title: plainText("Set password"),
    submit: plainText("Request approval"),
    close: plainText("Cancel"),
    private_metadata: input.privateMetadata,
    blocks: [
      {
        type: "section",
        fields: [
          mrkdwn(`*Email*\n${escapeMrkdwn(input.target.email)}`),
          mrkdwn(`*Connection*\n${escapeMrkdwn(input.target.connection)}`),
        ],
      },
      {
        type: "section",
        text: mrkdwn(
          `:closed_lock_with_key: *A second admin must approve this.* Your request is posted for another admin to approve or deny within ${minutes} minutes. On approval, a strong password is generated and sent to the user alone (a Slack DM or a one-time email link): neither of you sees it.`,
        ),
      },
      {
        type: "input",
        block_id: SET_PASSWORD_BLOCKS.reason,
        label: plainText("Reason"),
        hint: plainText("Shown to the approving admins and kept in the audit log."),
        element: {
          type: "plain_text_input",
          action_id: INPUT_ACTION_ID,
          multiline: true,
          max_length: MAX_REASON_LENGTH,
        },
      },
    ],
  };
}

/** What the modal turns into once the request is posted. */
export function buildApprovalWaiting(input: {
  email: string;
  connection: string;
  expiresAt: Date;
}): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(
        `:hourglass_flowing_sand: Waiting for approval by another admin (expires ${slackDate(input.expiresAt)}). Nothing changes for *${escapeMrkdwn(input.email)}* in *${escapeMrkdwn(input.connection)}* until then; you will get a DM with the outcome.`,
      ),
    },
  ];
  return {
    type: "modal",
    title: plainText("Set password"),
    close: plainText("Done"),
    blocks,
  };
}
