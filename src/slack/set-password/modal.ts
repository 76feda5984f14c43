import {
  describePolicy,
  MAX_PASSWORD_LENGTH,
  type PasswordPolicy,
} from "../../passwords/policy.ts";
import {
  escapeMrkdwn,
  INPUT_ACTION_ID,
  type KnownBlock,
  type ModalView,
  mrkdwn,
  plainText,
  SLACK_LIMITS,
} from "../block-kit.ts";
import { ACTION_IDS, CALLBACK_IDS, SET_PASSWORD_BLOCKS } from "../contract.ts";
import { NOTIFY_OPTION_VALUE, type SetPasswordMode } from "./submission.ts";

export interface SetPasswordModalInput {
  target: { email: string; name?: string | null; connection: string };
  policy: PasswordPolicy;
  mode: SetPasswordMode;
  /** Opaque to the modal: the caller stores the target's IDs here to read back on submit. */
  privateMetadata: string;
}

const MODE_OPTIONS = {
  type: { text: plainText("Type a new password"), value: "type" },
  generate: { text: plainText("Generate a strong password"), value: "generate" },
  send: {
    text: plainText("Send it to the user"),
    description: plainText("Generated and shown to the user alone: you never see it"),
    value: "send",
  },
} as const;

const NOTIFY_OPTION = { text: plainText("Notify the user by email"), value: NOTIFY_OPTION_VALUE };

/**
 * The `/set-password` modal. Rebuilt with `views.update` when the admin switches mode, so only
 * the inputs of the chosen mode are shown.
 */
export function buildSetPasswordModal(input: SetPasswordModalInput): ModalView {
  if (input.privateMetadata.length > SLACK_LIMITS.privateMetadataChars) {
    throw new RangeError("private_metadata exceeds Slack's 3000-character limit");
  }
  return {
    type: "modal",
    callback_id: CALLBACK_IDS.setPasswordModal,
    title: plainText("Set password"),
    submit: plainText("Set password"),
    close: plainText("Cancel"),
    private_metadata: input.privateMetadata,
    blocks: [
      targetBlock(input.target),
      modeBlock(input.mode),
      ...MODE_BLOCKS[input.mode](input.policy),
      // "Send it to the user" is itself the user's notice.
      ...(input.mode === "send" ? [] : [notifyBlock()]),
    ],
  };
}

function targetBlock(target: SetPasswordModalInput["target"]): KnownBlock {
  const name = target.name?.trim() ? escapeMrkdwn(target.name) : "—";
  return {
    type: "section",
    fields: [
      mrkdwn(`*Email*\n${escapeMrkdwn(target.email)}`),
      mrkdwn(`*Name*\n${name}`),
      mrkdwn(`*Connection*\n${escapeMrkdwn(target.connection)}`),
    ],
  };
}

// Radio buttons in an input block rather than an actions block: the choice is a form field, so
// it gets a label and its value arrives in view.state.values on submit; `dispatch_action: true`
// additionally makes Slack send a block_actions event on change (documented for interactive
// elements in input blocks), which the listener answers with views.update.
function modeBlock(mode: SetPasswordMode): KnownBlock {
  return {
    type: "input",
    block_id: SET_PASSWORD_BLOCKS.mode,
    dispatch_action: true,
    label: plainText("Method"),
    element: {
      type: "radio_buttons",
      action_id: ACTION_IDS.setPasswordMode,
      options: [MODE_OPTIONS.type, MODE_OPTIONS.generate, MODE_OPTIONS.send],
      initial_option: MODE_OPTIONS[mode],
    },
  };
}

function typedPasswordBlocks(policy: PasswordPolicy): KnownBlock[] {
  const checklist = describePolicy(policy)
    .map((rule) => `• ${escapeMrkdwn(rule.message)}`)
    .join("\n");
  return [
    passwordInput(SET_PASSWORD_BLOCKS.password, "New password"),
    passwordInput(SET_PASSWORD_BLOCKS.confirmation, "Confirm new password"),
    {
      type: "context",
      elements: [
        mrkdwn(
          ":warning: Slack has no hidden input: what you type is visible on your screen and to anyone looking at it.",
        ),
      ],
    },
    { type: "context", elements: [mrkdwn(`*The password must be:*\n${checklist}`)] },
  ];
}

function passwordInput(blockId: string, label: string): KnownBlock {
  return {
    type: "input",
    block_id: blockId,
    label: plainText(label),
    element: {
      type: "plain_text_input",
      action_id: INPUT_ACTION_ID,
      max_length: MAX_PASSWORD_LENGTH,
    },
  };
}

function generatedPasswordBlocks(): KnownBlock[] {
  return [
    {
      type: "section",
      text: mrkdwn(
        "A strong password that meets the connection's policy will be generated and shown to you once, after you submit.",
      ),
    },
  ];
}

function sentPasswordBlocks(): KnownBlock[] {
  return [
    {
      type: "section",
      text: mrkdwn(
        "A strong password will be generated and sent to the user alone: as a Slack DM with a *Reveal password* button when their email belongs to a confirmed account in this workspace, otherwise as a one-time link by email. Neither you nor the audit log will see it. If the user does not reveal it in time, it stops working.",
      ),
    },
  ];
}

const MODE_BLOCKS: Record<SetPasswordMode, (policy: PasswordPolicy) => KnownBlock[]> = {
  type: typedPasswordBlocks,
  generate: generatedPasswordBlocks,
  send: sentPasswordBlocks,
};

function notifyBlock(): KnownBlock {
  return {
    type: "input",
    block_id: SET_PASSWORD_BLOCKS.notify,
    optional: true,
    label: plainText("Notification"),
    hint: plainText(
      "As in Auth0, a password set by an admin does not alert the user unless you tick this.",
    ),
    element: { type: "checkboxes", action_id: INPUT_ACTION_ID, options: [NOTIFY_OPTION] },
  };
}
