import type { KnownBlock } from "../block-kit.ts";
import { escapeMrkdwn, mrkdwn, plainText } from "../block-kit.ts";
import { ACTION_IDS } from "../contract.ts";

/** Slack's date formatting, in the reader's own time zone, with a plain fallback. */
export function slackDate(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${at.toUTCString()}>`;
}

/**
 * The DM to the user whose password an admin set: a button, never the password. The button's
 * value names the reveal; who may use it is checked on the click.
 */
export function buildRevealMessage(input: {
  publicId: string;
  friendlyName: string;
  email: string;
  expiresAt: Date;
}): { text: string; blocks: KnownBlock[] } {
  const text = `An administrator set a new password for your account at ${input.friendlyName}.`;
  return {
    text,
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `:key: An administrator set a new password for your account *${escapeMrkdwn(input.email)}* at *${escapeMrkdwn(input.friendlyName)}*. Only you can see it.`,
        ),
      },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: ACTION_IDS.revealPassword,
            text: plainText("Reveal password"),
            style: "primary",
            value: input.publicId,
          },
        ],
      },
      {
        type: "context",
        elements: [
          mrkdwn(
            `The button shows it once, to you alone, until ${slackDate(input.expiresAt)}. Unrevealed by then, it stops working and you will need to ask again.`,
          ),
        ],
      },
    ],
  };
}

/** The DM once the button has done its work (or can no longer): no button left to press. */
export function buildRevealClosedMessage(text: string): { text: string; blocks: KnownBlock[] } {
  return { text, blocks: [{ type: "section", text: mrkdwn(text) }] };
}
