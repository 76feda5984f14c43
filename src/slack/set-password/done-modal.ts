import { escapeMrkdwn, type KnownBlock, type ModalView, mrkdwn, plainText } from "../block-kit.ts";
import { slackDate } from "../reveal/message.ts";

export interface SetPasswordDoneInput {
  email: string;
  connection: string;
  /** Shown once, here only: the caller must not keep, log or post it anywhere else. */
  generatedPassword?: string;
  notified: boolean;
  /** "Send it to the user": where the reveal went, and until when it waits. */
  waiting?: { by: "slack" | "email"; expiresAt: Date };
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
  if (input.waiting) {
    const how =
      input.waiting.by === "slack"
        ? "a Slack DM with a *Reveal password* button"
        : "an email with a one-time link";
    blocks.push(
      {
        type: "section",
        text: mrkdwn(
          `:hourglass_flowing_sand: *Waiting for the user.* A generated password was sent to them alone, by ${how}: you will not see it.`,
        ),
      },
      {
        type: "context",
        elements: [
          mrkdwn(
            `Unrevealed by ${slackDate(input.waiting.expiresAt)}, it stops working and the user is told to ask again. Your App Home lists the passwords still waiting.`,
          ),
        ],
      },
    );
    return { type: "modal", title: plainText("Password set"), close: plainText("Done"), blocks };
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
