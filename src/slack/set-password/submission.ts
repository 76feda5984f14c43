import type { RuleVerdict } from "../../password-reset/new-password.ts";
import { MAX_OTHER_CHARACTERS } from "../../passwords/dictionary.ts";
import type { PasswordRule } from "../../passwords/policy.ts";
import { INPUT_ACTION_ID } from "../block-kit.ts";
import { ACTION_IDS, SET_PASSWORD_BLOCKS } from "../contract.ts";
import { readSelectedOption, readSelectedOptions, readTextValue } from "../view-state.ts";

export type SetPasswordMode = "type" | "generate" | "send";

const MODES: readonly SetPasswordMode[] = ["type", "generate", "send"];

export const NOTIFY_OPTION_VALUE = "notify";

export interface SetPasswordSubmission {
  mode: SetPasswordMode;
  password?: string;
  confirmation?: string;
  notify: boolean;
}

/**
 * Reads the set-password modal's `view.state.values`. Any shape is accepted: missing or forged
 * fields read as absent. A missing or unknown mode reads as "type", so a malformed submission
 * fails validation for want of a password instead of silently generating one.
 */
export function readSetPasswordSubmission(values: unknown): SetPasswordSubmission {
  const mode = readSetPasswordMode(
    readSelectedOption(values, SET_PASSWORD_BLOCKS.mode, ACTION_IDS.setPasswordMode),
  );
  // "Send it to the user" tells the user by itself: there is no separate notice.
  const notify =
    mode !== "send" &&
    readSelectedOptions(values, SET_PASSWORD_BLOCKS.notify, INPUT_ACTION_ID).includes(
      NOTIFY_OPTION_VALUE,
    );
  const submission: SetPasswordSubmission = { mode, notify };
  if (mode !== "type") return submission;
  const password = readTextValue(values, SET_PASSWORD_BLOCKS.password, INPUT_ACTION_ID);
  const confirmation = readTextValue(values, SET_PASSWORD_BLOCKS.confirmation, INPUT_ACTION_ID);
  if (password !== undefined) submission.password = password;
  if (confirmation !== undefined) submission.confirmation = confirmation;
  return submission;
}

/** A radio button's value as a mode; anything else reads as "type". */
export function readSetPasswordMode(value: string | undefined): SetPasswordMode {
  return MODES.find((mode) => mode === value) ?? "type";
}

// Slack documents no length limit for these messages, but shows them in a line or two under
// the input: keep each short, and let the policy checklist in the modal give the details.
export const MAX_ERROR_MESSAGE_CHARS = 150;

const RULE_MESSAGES: Record<PasswordRule, (result: RuleVerdict) => string> = {
  min_length: (result) => `too short (${result.message.toLowerCase()})`,
  max_length: (result) => `too long (${result.message.toLowerCase()})`,
  lower_case: () => "needs a lower case letter",
  upper_case: () => "needs an upper case letter",
  digit: () => "needs a digit",
  character_classes: () => "needs 3 of: lower case, upper case, digit, symbol",
  identical_chars: () => "has 3 identical characters in a row",
  // DICTIONARY_RULE_TEXT, shortened to fit beside "too short" and "needs 3 of"; the checklist
  // in the modal says what the patterns and words are.
  dictionary: () =>
    `needs ${MAX_OTHER_CHARACTERS + 1} characters besides patterns and one common word`,
  personal_data: () => "contains the user's name or email",
  history: () => "reused: the user had it recently",
};

// History costs Argon2 work and is checked only for a password that passes everything else:
// when something else failed, say it was not checked rather than let silence read as a pass.
const HISTORY_UNCHECKED = "Reuse is not checked yet.";
const MISMATCH = "Does not match the new password.";
const MISMATCH_HISTORY_UNCHECKED = `${MISMATCH} Reuse of a recent password is checked once they match.`;

/** The message for a set-password attempt refused because hashing was busy (nothing changed). */
export const HASHER_BUSY_MESSAGE =
  "Passdesk is busy, so the password was not changed. Please submit again in a moment.";

/**
 * The `errors` object of a `response_action: "errors"` answer, keyed by block ID: every policy
 * failure in one message on the password input, a mismatch on the confirmation input. A history
 * rule with no verdict (`ok` undefined) is reported as not checked. Rules that passed are
 * ignored; empty when there is nothing to report.
 */
export function setPasswordErrors(
  rules: readonly RuleVerdict[],
  mismatch: boolean,
): Record<string, string> {
  const errors: Record<string, string> = {};
  const phrases = rules
    .filter((result) => result.ok === false)
    .map((result) => RULE_MESSAGES[result.rule](result));
  const historyUnchecked = rules.some((rule) => rule.rule === "history" && rule.ok === undefined);
  if (phrases.length > 0) {
    errors[SET_PASSWORD_BLOCKS.password] = historyUnchecked
      ? `${combinePhrases(phrases, MAX_ERROR_MESSAGE_CHARS - HISTORY_UNCHECKED.length - 1)} ${HISTORY_UNCHECKED}`
      : combinePhrases(phrases, MAX_ERROR_MESSAGE_CHARS);
  }
  if (mismatch) {
    errors[SET_PASSWORD_BLOCKS.confirmation] =
      historyUnchecked && phrases.length === 0 ? MISMATCH_HISTORY_UNCHECKED : MISMATCH;
  }
  return errors;
}

const MORE = "; and more: see the list below.";

/** "Too short (…); needs a digit." — whole phrases only, within `maxChars`. */
function combinePhrases(phrases: string[], maxChars: number): string {
  let text = `${phrases.join("; ")}.`;
  if (text.length > maxChars) {
    text = phrases[0] ?? "";
    for (const phrase of phrases.slice(1)) {
      if (`${text}; ${phrase}${MORE}`.length > maxChars) break;
      text = `${text}; ${phrase}`;
    }
    text += MORE;
  }
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
