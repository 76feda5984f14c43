import { escapeMrkdwn, type KnownBlock, type ModalView, mrkdwn, plainText } from "../block-kit.ts";

export interface SetPasswordDoneInput {
  email: string;
  connection: string;
  /** Shown once, here only: the caller must not keep, log or post it anywhere else. */
  generatedPassword?: string;
  notified: boolean;
}

/**
 * The confirmation the set-password modal turns into (`response_action: "update"`). The only
 * place a generated password is ever shown: to the admin who submitted, in their own modal.
 */
export function buildSetPasswordDone(input: SetPasswordDoneInput): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(
        `:white_check_mark: The password of *${escapeMrkdwn(input.email)}* in *${escapeMrkdwn(input.connection)}* was changed, and the user's outstanding reset links were revoked.`,
      ),
    },
  ];
  if (input.generatedPassword !== undefined) {
    blocks.push(
      {
        type: "section",
        text: mrkdwn(`*New password*\n\`\`\`${escapeMrkdwn(input.generatedPassword)}\`\`\``),
      },
      {
        type: "context",
        elements: [mrkdwn("Copy it now: it is shown only here and never stored or logged.")],
      },
    );
  }
  blocks.push({
    type: "context",
    elements: [
      mrkdwn(
        input.notified
          ? "The user will be notified of the change by email."
          : "The user was *not* notified: tell them yourself if they need the new password.",
      ),
    ],
  });
  return { type: "modal", title: plainText("Password set"), close: plainText("Done"), blocks };
}
