import type { types } from "@slack/bolt";

// Bolt re-exports @slack/types as a namespace; importing it from Bolt avoids depending on a
// package that is not in package.json.
export type KnownBlock = types.KnownBlock;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;
export type PlainTextElement = types.PlainTextElement;
export type MrkdwnElement = types.MrkdwnElement;

/** The action ID of every input element in Passdesk's modals; blocks are told apart by block ID. */
export const INPUT_ACTION_ID = "value";

/** Slack's documented limits, checked by the builders' tests. */
export const SLACK_LIMITS = {
  viewTitleChars: 24,
  blockTextChars: 3000,
  viewBlocks: 100,
  privateMetadataChars: 3000,
} as const;

/**
 * Escapes the three characters mrkdwn treats as control characters, so user-supplied text can
 * never become a link, a mention or an `<!channel>` broadcast.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Whether a string has the shape of a Slack user ID (`U…`, or `W…` on Enterprise Grid). */
export function isSlackUserId(value: string): boolean {
  return SLACK_USER_ID.test(value);
}

/** `<@U123>` for a well-formed Slack user ID; anything else is shown escaped, never as markup. */
export function mentionUser(userId: string): string {
  return isSlackUserId(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

/** A `plain_text` text object. */
export function plainText(text: string): PlainTextElement {
  return { type: "plain_text", text };
}

/** A `mrkdwn` text object; the caller escapes any user-supplied part. */
export function mrkdwn(text: string): MrkdwnElement {
  return { type: "mrkdwn", text };
}
